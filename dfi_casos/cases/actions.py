"""One page per action on a case: its form answers GET and POST at the same address, then back to the case.

The case page carries no form: each action it offers is a link here. A refused form is shown
again at this same address (so reloading it never answers 405), with the error beside its field
and nothing written; a saved one returns to the case page at the section it changed.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from dfi_casos import scope
from dfi_casos.cases import community, flags, reopening, services, transfers, workflow
from dfi_casos.cases.forms import (
    AppealForm,
    ApprovalDecisionForm,
    ApprovalRequestForm,
    AssignForm,
    CaseActionForm,
    FlagForm,
    IntakeForm,
    MeasureForm,
    NoteForm,
    RecognitionForm,
    ReferralForm,
    ReferralStatusForm,
    ReopenRequestForm,
    ServiceForm,
    ServiceStatusForm,
    StageChangeForm,
    TransferRequestForm,
)
from dfi_casos.cases.models import Case, Referral, Service
from dfi_casos.catalogs.enums import (
    AssistanceType,
    ClosureReason,
    RecognitionDecision,
    ReferralStatus,
    ServiceStatus,
    Stage,
)
from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.errors import DomainError, EditConflict, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.institutions import services as catalog
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission


@dataclass(frozen=True)
class ActionPage:
    """An action's page: form prefix (also its URL's field names), form, fields shown, button, section to return to."""

    prefix: str
    form: type[FlaskForm]
    fields: tuple[str, ...]
    button: str
    section: str
    title: str


#: Every action on a case, by the name workflow.next_actions gives it.
ACTIONS: dict[str, ActionPage] = {
    "decide_approval": ActionPage("aprobacion", ApprovalDecisionForm, ("decision", "comment"), _l("Guardar decisión"),
                                  "resumen", _l("Decidir solicitud")),
    "submit_intake": ActionPage("entrevista", IntakeForm, ("summary",), _l("Enviar a valoración"), "resumen",
                                _l("Enviar entrevista inicial a valoración")),
    "decide_recognition": ActionPage("valoracion", RecognitionForm, ("decision", "reason"), _l("Guardar valoración"),
                                     "resumen", _l("Decidir reconocimiento")),
    "appeal": ActionPage("recurso", AppealForm, ("grounds",), _l("Presentar recurso"), "resumen",
                         _l("Presentar recurso de revisión")),
    "decide_appeal": ActionPage("revision", RecognitionForm, ("decision", "reason"), _l("Decidir recurso"), "resumen",
                                _l("Decidir recurso de revisión")),
    "change_stage": ActionPage("etapa", StageChangeForm, ("to_stage", "reason"), _l("Cambiar etapa"), "historia",
                               _l("Cambiar de etapa")),
    "request_approval": ActionPage("solicitud", ApprovalRequestForm, ("to_stage", "closure_reason", "justification"),
                                   _l("Enviar solicitud"), "resumen", _l("Solicitar aprobación")),
    "assign": ActionPage("asignacion", AssignForm, ("owner_id", "assignee_ids"), _l("Guardar asignación"), "resumen",
                         _l("Asignar o reasignar")),
    "add_service": ActionPage("servicio", ServiceForm,
                              ("assistance_type", "provided_on", "status", "institution_id", "notes"), _l("Registrar"),
                              "servicios", _l("Registrar asistencia o servicio")),
    "add_referral": ActionPage("canalizacion", ReferralForm, ("institution_id", "need", "due_on", "notes"),
                               _l("Canalizar"), "canalizaciones", _l("Canalizar a una institución")),
    "add_note": ActionPage("nota", NoteForm, ("body",), _l("Agregar nota"), "notas", _l("Agregar nota de seguimiento")),
    # a case's life beside the stages (life_views.py): flags, reopening, transfers
    "raise_flag": ActionPage("alerta", FlagForm, ("flag_type", "reason"), _l("Levantar alerta"), "alertas",
                             _l("Levantar alerta")),
    "request_reopening": ActionPage("reapertura", ReopenRequestForm, ("to_stage", "reason"), _l("Enviar solicitud"),
                                    "resumen", _l("Solicitar reapertura")),
    "decide_reopening": ActionPage("decision_reapertura", ApprovalDecisionForm, ("decision", "comment"),
                                   _l("Guardar decisión"), "resumen", _l("Decidir reapertura")),
    "request_transfer": ActionPage("traslado", TransferRequestForm, ("to_state", "reason"), _l("Enviar solicitud"),
                                   "resumen", _l("Solicitar traslado a otra entidad")),
    "add_measure": ActionPage("medida", MeasureForm, ("measure_type", "measure_on", "status", "institution_id",
                                                      "notes"), _l("Registrar"), "medidas",
                              _l("Registrar medida colectiva")),
}
#: Where the supervisor's home page sends a decision back to (the only other return address accepted).
HOME_RETURN = "inicio"


def load(case_id: uuid.UUID) -> Case:
    return scope.get_case_for(db.session, current_user, case_id)


def case_url(case_id: uuid.UUID, section: str) -> str:
    return url_for("cases.view_case", case_id=case_id, _anchor=section)


def available(case: Case) -> dict[str, workflow.NextStep]:
    """The actions this user may take on the case now, by name."""
    steps = [*workflow.next_actions(case, current_user), *flags.steps(case, current_user),
             *reopening.steps(case, current_user), *transfers.steps(db.session, case, current_user),
             *community.steps(case, current_user)]
    return {step.name: step for step in steps}


def prepare(form: FlaskForm, case: Case) -> None:
    """Give a form the choices that depend on the case: stages reachable, people, institutions."""
    if isinstance(form, StageChangeForm):
        form.to_stage.choices = select_choices((s.value, s.label) for s in workflow.direct_targets(case.stage))
    elif isinstance(form, ApprovalRequestForm):
        form.to_stage.choices = select_choices((s.value, s.label) for s in workflow.approval_targets(case.stage))
    elif isinstance(form, AssignForm):
        people = [(str(u.id), u.full_name) for u in services.assignable_users(db.session, case)]
        form.owner_id.choices = select_choices(people)
        form.assignee_ids.choices = select_choices(people)
    elif isinstance(form, ReopenRequestForm):
        form.to_stage.choices = select_choices((s.value, s.label) for s in reopening.REOPEN_STAGES)
    elif isinstance(form, TransferRequestForm):
        form.to_state.choices = select_choices(
            [(code, name) for code, name in STATE_CHOICES if code != case.state_code], blank=_("Elija la entidad"))
    elif isinstance(form, MeasureForm):
        form.institution_id.choices = select_choices(
            catalog.institution_options(db.session, case.state_code), blank=_("(ninguna)"))
    elif isinstance(form, ServiceForm | ReferralForm):
        institutions = catalog.institution_options(db.session, case.state_code)
        form.institution_id.choices = select_choices(
            institutions, blank=_("(ninguna)") if isinstance(form, ServiceForm) else _("Elija una institución"))


def _fill(form: FlaskForm, case: Case) -> None:
    """What a freshly opened form starts with: the version it was shown at, the current assignment."""
    if isinstance(form, CaseActionForm):
        form.version.data = str(case.version)
    if isinstance(form, ReopenRequestForm):
        form.to_stage.data = reopening.closed_from(case).value
    if isinstance(form, AssignForm):
        form.owner_id.data = case.owner_id
        form.assignee_ids.data = sorted(case.assignee_ids)


def _context(case: Case, name: str) -> dict[str, Any]:
    """What the person deciding must read: the request's justification, the intake, the appeal's grounds."""
    shown: dict[str, Any] = {}
    if name in ("decide_approval", "decide_reopening") and case.pending_approval is not None:
        shown = {_("Justificación"): case.pending_approval.justification}
        field_names = ["approval_request.justification"]
    elif name == "decide_recognition" and case.recognition is not None:
        shown = {_("Resumen de la entrevista inicial"): case.recognition.summary}
        field_names = ["recognition.summary"]
    elif name == "decide_appeal" and case.appeal is not None:
        shown = {_("Motivos del recurso"): case.appeal.grounds}
        field_names = ["appeal.grounds"]
    if shown:
        audit.record_view(db.session, current_user, "case", case.id, fields=field_names, state_code=case.state_code,
                          folio=case.folio)
    return shown


def render_action(case: Case, name: str, form: FlaskForm, status: int = 200) -> Any:
    page = ACTIONS[name]
    step = available(case).get(name)
    return render_template("cases/action.html", case=case, form=form, page=page, name=name,
                           title=step.label if step else page.title, context=_context(case, name),
                           action_url=request.path), status


def _show_error(form: FlaskForm, exc: DomainError) -> None:
    if (message := attach_error(form, exc)) is not None:
        flash(message, "error")


def _refused(case_id: uuid.UUID, name: str, form: FlaskForm, exc: DomainError | None) -> Any:
    """Nothing the action did is kept; its page comes back with the errors beside the fields."""
    db.discard_refused_work()
    case = load(case_id)
    if exc is not None:
        _show_error(form, exc)
    if isinstance(exc, EditConflict) and isinstance(form, CaseActionForm):
        form.version.data = str(case.version)  # the page now shows the other person's change
    return render_action(case, name, form, 409 if isinstance(exc, EditConflict) else 400)


def act(case_id: uuid.UUID, name: str, run: Callable[[Case, Any], str]) -> Any:
    """GET: the action's form. POST: parse it, make one service call, then back to the case (or the errors)."""
    case = load(case_id)
    page = ACTIONS[name]
    form = page.form(prefix=page.prefix)
    prepare(form, case)
    if request.method == "GET":
        if name not in available(case):
            flash(_("Esa acción no está disponible ahora en este caso."), "warning")
            return redirect(case_url(case_id, page.section))
        _fill(form, case)
        return render_action(case, name, form)
    if not form.validate_on_submit():
        return _refused(case_id, name, form, None)
    try:
        message = run(case, form)
    except DomainError as exc:
        return _refused(case_id, name, form, exc)
    flash(message, "success")
    if request.form.get("volver") == HOME_RETURN:
        return redirect(url_for("main.index", _anchor="decisiones"))
    return redirect(case_url(case_id, page.section))


# --- the actions ---------------------------------------------------------------------------------------

def change_stage(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: StageChangeForm) -> str:
        services.change_stage(db.session, current_user, case, Stage(form.to_stage.data), form.reason.data,
                              form.expected_version())
        return _("El caso pasó a «%(stage)s».", stage=case.stage.label)

    return act(case_id, "change_stage", run)


def request_approval(case_id: uuid.UUID) -> Any:
    return act(case_id, "request_approval", run_request_approval)


def run_request_approval(case: Case, form: ApprovalRequestForm) -> str:
    reason = ClosureReason(form.closure_reason.data) if form.closure_reason.data else None
    approval = services.request_approval(db.session, current_user, case, Stage(form.to_stage.data), reason,
                                         form.justification.data, form.expected_version())
    return _("Solicitud enviada: pasar a «%(stage)s». Otra supervisora o supervisor la decidirá.",
             stage=approval.to_stage.label)


def decide_approval(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ApprovalDecisionForm) -> str:
        approval = services.decide_approval(db.session, current_user, case, form.decision.data == "approve",
                                            form.comment.data, form.expected_version())
        return _("Solicitud %(status)s: %(folio)s.", status=approval.status.label.lower(), folio=case.folio)

    return act(case_id, "decide_approval", run)


def submit_intake(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: IntakeForm) -> str:
        services.submit_intake(db.session, current_user, case, form.summary.data, form.expected_version())
        return _("Entrevista enviada a valoración.")

    return act(case_id, "submit_intake", run)


def decide_recognition(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: RecognitionForm) -> str:
        services.decide_recognition(db.session, current_user, case, RecognitionDecision(form.decision.data),
                                    form.reason.data, form.expected_version())
        return _("Valoración registrada: %(status)s.", status=case.recognition_status.label.lower())

    return act(case_id, "decide_recognition", run)


def appeal(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: AppealForm) -> str:
        services.appeal(db.session, current_user, case, form.grounds.data, form.expected_version())
        return _("Recurso de revisión presentado.")

    return act(case_id, "appeal", run)


def decide_appeal(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: RecognitionForm) -> str:
        services.decide_appeal(db.session, current_user, case, RecognitionDecision(form.decision.data),
                               form.reason.data, form.expected_version())
        return _("Recurso de revisión decidido: %(status)s.", status=case.recognition_status.label.lower())

    return act(case_id, "decide_appeal", run)


def assign(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: AssignForm) -> str:
        services.assign(db.session, current_user, case, form.owner_id.data, list(form.assignee_ids.data or []),
                        form.expected_version())
        return _("Asignación guardada.")

    return act(case_id, "assign", run)


def add_service(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ServiceForm) -> str:
        services.add_service(db.session, current_user, case, assistance_type=AssistanceType(form.assistance_type.data),
                             provided_on=form.provided_on.data, status=ServiceStatus(form.status.data),
                             institution_id=int(form.institution_id.data) if form.institution_id.data else None,
                             notes=form.notes.data)
        return _("Asistencia registrada.")

    return act(case_id, "add_service", run)


def add_referral(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ReferralForm) -> str:
        services.add_referral(db.session, current_user, case, institution_id=int(form.institution_id.data),
                              need=AssistanceType(form.need.data), due_on=form.due_on.data, notes=form.notes.data)
        return _("Canalización enviada.")

    return act(case_id, "add_referral", run)


def add_note(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: NoteForm) -> str:
        services.add_note(db.session, current_user, case, form.body.data)
        return _("Nota agregada.")

    return act(case_id, "add_note", run)


# --- a referral's or a service's status: one page per record ---------------------------------------------

def _status_page(case: Case, record: Referral | Service, form: FlaskForm, status: int = 200) -> Any:
    return render_template("cases/status.html", case=case, record=record, form=form, action_url=request.path,
                           is_referral=isinstance(record, Referral)), status


def _status_action(case_id: uuid.UUID, record: Referral | Service, form: FlaskForm, flow: Any, section: str,
                   run: Callable[[Case], None], done: str) -> Any:
    case = load(case_id)
    if record.case_id != case.id:
        raise NotVisible("referral" if isinstance(record, Referral) else "case_service", record.id, "not_in_case")
    if request.method == "GET":
        if not flow[record.status] or "add_note" not in available(case):
            flash(_("El estado de este registro ya no puede cambiar."), "warning")
            return redirect(case_url(case_id, section))
        form.status.choices = select_choices(sorted((s.value, s.label) for s in flow[record.status]))
        return _status_page(case, record, form)
    if not form.validate_on_submit():
        db.discard_refused_work()
        return _status_page(load(case_id), record, form, 400)
    try:
        run(case)
    except DomainError as exc:
        db.discard_refused_work()
        _show_error(form, exc)
        return _status_page(load(case_id), record, form, 400)
    flash(done, "success")
    return redirect(case_url(case_id, section))


def update_referral(case_id: uuid.UUID, referral_id: uuid.UUID) -> Any:
    referral = scope.get_referral_for(db.session, current_user, referral_id)
    form = ReferralStatusForm(prefix="estado")

    def run(case: Case) -> None:
        services.update_referral_status(db.session, current_user, case, referral, ReferralStatus(form.status.data),
                                        form.response.data)

    return _status_action(case_id, referral, form, services.REFERRAL_FLOW, "canalizaciones", run,
                          _("Canalización actualizada."))


def update_service(case_id: uuid.UUID, service_id: uuid.UUID) -> Any:
    service = scope.get_service_for(db.session, current_user, service_id)
    form = ServiceStatusForm(prefix="estado_servicio")

    def run(case: Case) -> None:
        services.update_service_status(db.session, current_user, case, service, ServiceStatus(form.status.data))

    return _status_action(case_id, service, form, services.SERVICE_FLOW, "servicios", run, _("Servicio actualizado."))


def register(bp: Blueprint) -> None:
    """The action routes, each answering GET (its form) and POST (saving it), with the permission it needs."""
    P = Permission  # noqa: N806 - short alias for the table below
    for rule, view, permission in [
        ("/<uuid:case_id>/etapa", change_stage, P.REQUEST_STAGE_CHANGE),
        ("/<uuid:case_id>/solicitud", request_approval, P.REQUEST_STAGE_CHANGE),
        ("/<uuid:case_id>/aprobacion", decide_approval, P.APPROVE_STAGE_CHANGE),
        ("/<uuid:case_id>/entrevista", submit_intake, P.RECORD_SERVICES),
        ("/<uuid:case_id>/valoracion", decide_recognition, P.DECIDE_RECOGNITION),
        ("/<uuid:case_id>/recurso", appeal, P.VIEW_CASES),
        ("/<uuid:case_id>/recurso/decision", decide_appeal, P.DECIDE_RECOGNITION),
        ("/<uuid:case_id>/asignacion", assign, P.ASSIGN_CASES),
        ("/<uuid:case_id>/servicios", add_service, P.RECORD_SERVICES),
        ("/<uuid:case_id>/canalizaciones", add_referral, P.RECORD_SERVICES),
        ("/<uuid:case_id>/notas", add_note, P.RECORD_SERVICES),
        ("/<uuid:case_id>/canalizaciones/<uuid:referral_id>", update_referral, P.RECORD_SERVICES),
        ("/<uuid:case_id>/servicios/<uuid:service_id>", update_service, P.RECORD_SERVICES),
    ]:
        bp.add_url_rule(rule, view.__name__, require_permission(permission)(view), methods=["GET", "POST"])
