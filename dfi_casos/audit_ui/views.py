"""Auditor screens under /auditoria: each view loads, checks access, records that it was consulted."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.audit_ui import services
from dfi_casos.audit_ui.forms import AuditFilterForm
from dfi_casos.extensions import db
from dfi_casos.pagination import page_number
from dfi_casos.ratelimits import export_limits
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, has_permission, require_permission
from dfi_casos.security.audit import ACTION_LABELS, Action

bp = Blueprint("audit_ui", __name__, url_prefix="/auditoria")

#: The record history shows at most this many entries, newest first.
HISTORY_LIMIT = 500

#: An entry's outcome as the reader says it.
OUTCOME_LABELS = {"ok": _l("correcto"), "denied": _l("denegado"), "failed": _l("fallido")}


@bp.app_template_global("outcome_label")
def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def _page() -> int:
    return page_number(request.args.get("page"))


def _per_page() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _filters(form: AuditFilterForm) -> services.AuditFilters:
    return services.AuditFilters(actor=form.actor.data or "", record=form.record.data or "",
                                 action=form.action.data or "", since=form.since.data, until=form.until.data)


def _audit_consulted(page: str, *, count: int, object_type: str | None = None, object_id: Any = None,
                     filters: list[str] | None = None) -> None:
    # Auditors are audited too; what they filtered by is named, not its value.
    audit.record(db.session, action=Action.AUDIT_VIEW, actor=current_user, object_type=object_type,
                 object_id=object_id, details={"page": page, "count": count, "filters": filters or []})


@bp.route("/")
@require_permission(Permission.VIEW_AUDIT)
def events() -> Any:
    form = AuditFilterForm(request.args)
    entries: list[audit.AuditEvent] = []
    has_next = False
    status = 200
    if form.validate():
        filters = _filters(form)
        entries, has_next = services.find_entries(db.session, current_user, filters, timezone=_timezone(),
                                                  page=_page(), per_page=_per_page())
        _audit_consulted("events", count=len(entries), filters=filters.used())
    else:
        status = 400
    return render_template("audit_ui/events.html", form=form, entries=entries, page=_page(), has_next=has_next,
                           action_labels=ACTION_LABELS,
                           can_export=has_permission(current_user, Permission.EXPORT_AUDIT)), status


@bp.route("/registro/<object_type>/<object_id>")
@require_permission(Permission.VIEW_AUDIT)
def record_history(object_type: str, object_id: str) -> Any:
    object_type, object_id = object_type[:40], object_id[:64]  # the columns' widths
    entries = services.get_record_history_for(db.session, current_user, object_type, object_id,
                                              limit=HISTORY_LIMIT)
    _audit_consulted("record_history", count=len(entries), object_type=object_type, object_id=object_id)
    return render_template("audit_ui/record_history.html", entries=entries, object_type=object_type,
                           object_id=object_id, limit=HISTORY_LIMIT, action_labels=ACTION_LABELS)


@bp.route("/usuario/<int:user_id>")
@require_permission(Permission.VIEW_AUDIT)
def user_activity(user_id: int) -> Any:
    account = scope.get_overseen_account_for(db.session, current_user, user_id)
    entries, has_next = services.user_activity(db.session, current_user, user_id, page=_page(),
                                               per_page=_per_page())
    _audit_consulted("user_activity", count=len(entries), object_type="user", object_id=user_id)
    return render_template("audit_ui/user_activity.html", account=account, entries=entries, page=_page(),
                           has_next=has_next, action_labels=ACTION_LABELS)


@bp.route("/cadena", methods=["GET", "POST"])
@require_permission(Permission.VIEW_AUDIT)
def chain() -> Any:
    result = None
    if request.method == "POST":
        key: bytes = current_app.extensions["dfi_keys"].audit_key
        result = audit.verify_chain(db.session(), key)
        audit.record(db.session, action=Action.AUDIT_VERIFY, actor=current_user,
                     outcome="ok" if result.ok else "failed",
                     details={"checked": result.checked, "bad_seq": result.bad_seq, "reason": result.reason})
    head = audit.chain_head(db.session())
    return render_template("audit_ui/chain.html", head=head, result=result,
                           visible=services.count_visible(db.session, current_user))


@bp.route("/exportar")
@export_limits
@require_permission(Permission.EXPORT_AUDIT)
def export() -> Any:
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("audit_ui/events.html", form=form, entries=[], page=1, has_next=False,
                               action_labels=ACTION_LABELS, can_export=True), 400
    filters = _filters(form)
    body, count = services.export_csv(db.session, current_user, filters, timezone=_timezone())
    audit.record(db.session, action=Action.AUDIT_EXPORT, actor=current_user, object_type="audit_event",
                 details={"count": count, "format": "csv", "filters": filters.used()})
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="bitacora.csv"'})
