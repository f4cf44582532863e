"""The two refusals every feature raises: a rule said no (DomainError), the record is not yours (NotVisible)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused the operation. The message is Spanish, for the user; `field` names the form field at fault.

    Every feature error derives from it (RegistryError, CaseError, AssessmentError, AccountError, ...),
    so a view catches one type and `formutil.attach_error(form, exc)` puts it beside its field.
    """

    #: The form field the message belongs beside, when there is one (a subclass may fix it).
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        message = str(message)  # a lazy (module-level) message resolves now, in the request's language
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


EDIT_CONFLICT_MESSAGE = _l("Otra persona modificó este registro mientras usted lo editaba; no se guardaron sus "
                         "cambios. Recargue la página para ver la versión actual.")


class EditConflict(DomainError):
    """Someone saved the record after the form was opened (optimistic lock); nothing was overwritten.

    `changes` optionally lists what the other saves touched (field names and who, never values).
    """

    def __init__(self, message: str = EDIT_CONFLICT_MESSAGE, field: str | None = None,
                 changes: list[Any] | None = None) -> None:
        super().__init__(message, field)
        self.changes = list(changes or [])


class NotVisible(LookupError):
    """The record is absent or outside the actor's scope. Never shown as such: the web layer audits it and
    answers the same Spanish 404 for both (forbidden and absent look alike).

    `reason` is for the audit entry only ("absent", "out_of_scope", "malformed_id", "missing:<permission>", ...).
    Deliberately not a DomainError: a view that catches DomainError to show a form error must not swallow it.
    """

    def __init__(self, object_type: str, object_id: Any = None, reason: str = "not_visible") -> None:
        super().__init__(f"{object_type} {object_id} not visible ({reason})")
        self.object_type = object_type
        self.object_id = object_id
        self.reason = reason
