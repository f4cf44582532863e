"""Case pages: Mis casos, the case list, the case page with its timeline, and one route per action."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from dfi_casos import scope
from dfi_casos.cases import services, workflow
from dfi_casos.cases.forms import (
    AppealForm,
    ApprovalDecisionForm,
    ApprovalRequestForm,
    AssignForm,
    CaseActionForm,
    CaseFilterForm,
    IntakeForm,
    NoteForm,
    OpenCaseForm,
    RecognitionForm,
    ReferralForm,
    ReferralStatusForm,
    ServiceForm,
    ServiceStatusForm,
    StageChangeForm,
)
from dfi_casos.cases.models import Case
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
from dfi_casos.pagination import page_number
from dfi_casos.registry import services as registry
from dfi_casos.registry.models import Community, Household, Person
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("cases", __name__, url_prefix="/casos")

#: URL words for the subject of a new case: its table, and the name its audit entries use.
SUBJECT_WORDS: dict[str, tuple[type[Household | Person | Community], str]] = {
    "hogar": (Household, "household"), "persona": (Person, "person"), "comunidad": (Community, "community")}

#: The forms of the case page, by the prefix their fields carry.
PAGE_FORMS: dict[str, type[FlaskForm]] = {
    "etapa": StageChangeForm, "solicitud": ApprovalRequestForm, "aprobacion": ApprovalDecisionForm,
    "entrevista": IntakeForm, "valoracion": RecognitionForm, "recurso": AppealForm,
    "revision": RecognitionForm, "asignacion": AssignForm, "servicio": ServiceForm,
    "canalizacion": ReferralForm, "nota": NoteForm,
}


def _load(case_id: uuid.UUID) -> Case:
    return scope.get_case_for(db.session, current_user, case_id)


# --- lists -------------------------------------------------------------------------------------

@bp.route("/")
@require_permission(Permission.VIEW_CASES)
def my_cases() -> Any:
    work = services.worklist(db.session, current_user)
    return render_template("cases/my_cases.html", work=work)


@bp.route("/lista")
@require_permission(Permission.ASSIGN_CASES)
def case_list() -> Any:
    form = CaseFilterForm(request.args)
    form.state.choices = _state_choices(blank="Todas")
    if not form.validate():
        return render_template("cases/list.html", form=form, cases=[]), 400
    if form.folio.data:
        found = services.find_by_folio(db.session, current_user, form.folio.data)
        if found is not None:
            return redirect(url_for("cases.view_case", case_id=found.id))
        form.folio.errors = ["No hay un caso con ese folio a su alcance."]
        return render_template("cases/list.html", form=form, cases=[]), 404
    stage = Stage(form.stage.data) if form.stage.data else None
    page = services.list_cases(db.session, current_user, stage=stage, state_code=form.state.data or None,
                               page=page_number(request.args.get("pagina")), size=current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in {"stage": form.stage.data, "state": form.state.data}.items() if v}
    return render_template("cases/list.html", form=form, cases=page.items, page=page, page_args=args)


def _state_choices(blank: str | None = None) -> list[Any]:
    user = current_user._get_current_object()  # type: ignore[attr-defined]  # resolve the proxy once
    allowed = set(user.states)
    pairs = [(code, name) for code, name in STATE_CHOICES if user.is_national or code in allowed]
    return select_choices(pairs, blank=blank)


# --- opening -----------------------------------------------------------------------------------

@bp.route("/nuevo/<word>/<uuid:subject_id>", methods=["GET", "POST"])
@require_permission(Permission.REGISTER)
def open_case(word: str, subject_id: uuid.UUID) -> Any:
    if word not in SUBJECT_WORDS:
        raise NotVisible("case_subject", subject_id, "bad_subject")
    model, object_type = SUBJECT_WORDS[word]
    subject = scope.get_subject_for(db.session, current_user, model, subject_id, object_type)
    form = OpenCaseForm()
    if form.validate_on_submit():
        try:
            case = services.open_case(db.session, current_user, subject, stage=Stage(form.stage.data))
        except DomainError as exc:
            _show_error(form, exc)
        else:
            flash(f"Caso {case.folio} abierto.", "success")
            return redirect(url_for("cases.view_case", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/open.html", form=form, word=word, subject_id=subject_id), status


# --- the case page -----------------------------------------------------------------------------

@bp.route("/<uuid:case_id>")
@require_permission(Permission.VIEW_CASES)
def view_case(case_id: uuid.UUID) -> Any:
    return _render_case(_load(case_id))


def _page_forms(case: Case) -> dict[str, FlaskForm]:
    forms = {prefix: cls(prefix=prefix, formdata=None) for prefix, cls in PAGE_FORMS.items()}
    for form in forms.values():
        _prepare(form, case)
        if isinstance(form, CaseActionForm):
            form.version.data = str(case.version)
    assign = forms["asignacion"]
    assert isinstance(assign, AssignForm)  # noqa: S101 - built just above
    assign.owner_id.data = case.owner_id
    assign.assignee_ids.data = sorted(case.assignee_ids)
    return forms


def _prepare(form: FlaskForm, case: Case) -> None:
    """Give a form the choices that depend on the case: stages reachable, people, institutions."""
    if isinstance(form, StageChangeForm):
        form.to_stage.choices = select_choices((s.value, s.label) for s in workflow.direct_targets(case.stage))
    elif isinstance(form, ApprovalRequestForm):
        form.to_stage.choices = select_choices((s.value, s.label) for s in workflow.approval_targets(case.stage))
    elif isinstance(form, AssignForm):
        people = [(str(u.id), u.full_name) for u in services.assignable_users(db.session, case)]
        form.owner_id.choices = select_choices(people)
        form.assignee_ids.choices = select_choices(people)
    elif isinstance(form, ServiceForm | ReferralForm):
        institutions = [(str(i.id), i.name) for i in registry.active_institutions(db.session, case.state_code)]
        form.institution_id.choices = select_choices(
            institutions, blank="(ninguna)" if isinstance(form, ServiceForm) else "Elija una institución")


def _render_case(case: Case, status: int = 200, **replaced: FlaskForm) -> Any:
    forms = _page_forms(case)
    forms.update(replaced)
    page = services.case_page(db.session, current_user, case)
    return render_template(
        "cases/case.html", case=case, forms=forms, entries=page.entries,
        actions={a.name: a for a in workflow.next_actions(case, current_user)}, subject=page.subject,
        referral_flow=services.REFERRAL_FLOW, service_flow=services.SERVICE_FLOW, stages=list(Stage),
    ), status


def _show_error(form: FlaskForm, exc: DomainError) -> None:
    if (message := attach_error(form, exc)) is not None:
        flash(message, "error")


def _refused(case_id: uuid.UUID, prefix: str, form: FlaskForm, exc: DomainError | None) -> Any:
    """Nothing the action did is kept; the page comes back with the errors beside the fields.

    The page decrypts and shows the case again: its "view" audit entry is kept.
    """
    db.discard_refused_work()
    case = _load(case_id)
    if exc is not None:
        _show_error(form, exc)
    if isinstance(exc, EditConflict) and isinstance(form, CaseActionForm):
        form.version.data = str(case.version)  # the page now shows the other person's change
    return _render_case(case, 409 if isinstance(exc, EditConflict) else 400, **{prefix: form})


def _act(case_id: uuid.UUID, prefix: str, run: Callable[[Case, Any], str]) -> Any:
    """Parse the action's form, make one service call, then redirect to the case or show the errors."""
    case = _load(case_id)
    form = PAGE_FORMS[prefix](prefix=prefix)
    _prepare(form, case)
    if not form.validate_on_submit():
        return _refused(case_id, prefix, form, None)
    try:
        message = run(case, form)
    except DomainError as exc:
        return _refused(case_id, prefix, form, exc)
    flash(message, "success")
    return redirect(url_for("cases.view_case", case_id=case_id))


@bp.route("/<uuid:case_id>/etapa", methods=["POST"])
@require_permission(Permission.REQUEST_STAGE_CHANGE)
def change_stage(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: StageChangeForm) -> str:
        services.change_stage(db.session, current_user, case, Stage(form.to_stage.data), form.reason.data,
                              form.expected_version())
        return f"El caso pasó a «{case.stage.label}»."

    return _act(case_id, "etapa", run)


@bp.route("/<uuid:case_id>/solicitud", methods=["POST"])
@require_permission(Permission.REQUEST_STAGE_CHANGE)
def request_approval(case_id: uuid.UUID) -> Any:
    return _act(case_id, "solicitud", _request_approval)


def _request_approval(case: Case, form: ApprovalRequestForm) -> str:
    reason = ClosureReason(form.closure_reason.data) if form.closure_reason.data else None
    approval = services.request_approval(db.session, current_user, case, Stage(form.to_stage.data), reason,
                                         form.justification.data, form.expected_version())
    return f"Solicitud enviada: pasar a «{approval.to_stage.label}». Otra supervisora o supervisor la decidirá."


@bp.route("/<uuid:case_id>/cierre", methods=["GET", "POST"])
@require_permission(Permission.REQUEST_STAGE_CHANGE)
def request_closure(case_id: uuid.UUID) -> Any:
    case = _load(case_id)
    form = ApprovalRequestForm(prefix="solicitud")
    form.to_stage.choices = select_choices([(Stage.CLOSED.value, Stage.CLOSED.label)])
    if request.method == "GET":
        form.to_stage.data = Stage.CLOSED.value
        form.version.data = str(case.version)
    elif form.validate_on_submit():
        try:
            message = _request_approval(case, form)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(message, "success")
            return redirect(url_for("cases.view_case", case_id=case_id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/closure.html", case=_load(case_id), form=form), status


@bp.route("/<uuid:case_id>/aprobacion", methods=["POST"])
@require_permission(Permission.APPROVE_STAGE_CHANGE)
def decide_approval(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ApprovalDecisionForm) -> str:
        approval = services.decide_approval(db.session, current_user, case, form.decision.data == "approve",
                                            form.comment.data, form.expected_version())
        return f"Solicitud {approval.status.label.lower()}."

    return _act(case_id, "aprobacion", run)


@bp.route("/<uuid:case_id>/entrevista", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def submit_intake(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: IntakeForm) -> str:
        services.submit_intake(db.session, current_user, case, form.summary.data, form.expected_version())
        return "Entrevista enviada a valoración."

    return _act(case_id, "entrevista", run)


@bp.route("/<uuid:case_id>/valoracion", methods=["POST"])
@require_permission(Permission.DECIDE_RECOGNITION)
def decide_recognition(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: RecognitionForm) -> str:
        services.decide_recognition(db.session, current_user, case, RecognitionDecision(form.decision.data),
                                    form.reason.data, form.expected_version())
        return f"Valoración registrada: {case.recognition_status.label.lower()}."

    return _act(case_id, "valoracion", run)


@bp.route("/<uuid:case_id>/recurso", methods=["POST"])
@require_permission(Permission.VIEW_CASES)
def appeal(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: AppealForm) -> str:
        services.appeal(db.session, current_user, case, form.grounds.data, form.expected_version())
        return "Recurso de revisión presentado."

    return _act(case_id, "recurso", run)


@bp.route("/<uuid:case_id>/recurso/decision", methods=["POST"])
@require_permission(Permission.DECIDE_RECOGNITION)
def decide_appeal(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: RecognitionForm) -> str:
        services.decide_appeal(db.session, current_user, case, RecognitionDecision(form.decision.data),
                               form.reason.data, form.expected_version())
        return f"Recurso de revisión decidido: {case.recognition_status.label.lower()}."

    return _act(case_id, "revision", run)


@bp.route("/<uuid:case_id>/asignacion", methods=["POST"])
@require_permission(Permission.ASSIGN_CASES)
def assign(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: AssignForm) -> str:
        services.assign(db.session, current_user, case, form.owner_id.data, list(form.assignee_ids.data or []),
                        form.expected_version())
        return "Asignación guardada."

    return _act(case_id, "asignacion", run)


@bp.route("/<uuid:case_id>/servicios", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def add_service(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ServiceForm) -> str:
        services.add_service(db.session, current_user, case, assistance_type=AssistanceType(form.assistance_type.data),
                             provided_on=form.provided_on.data, status=ServiceStatus(form.status.data),
                             institution_id=int(form.institution_id.data) if form.institution_id.data else None,
                             notes=form.notes.data)
        return "Asistencia registrada."

    return _act(case_id, "servicio", run)


@bp.route("/<uuid:case_id>/canalizaciones", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def add_referral(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ReferralForm) -> str:
        services.add_referral(db.session, current_user, case, institution_id=int(form.institution_id.data),
                              need=AssistanceType(form.need.data), due_on=form.due_on.data, notes=form.notes.data)
        return "Canalización enviada."

    return _act(case_id, "canalizacion", run)


@bp.route("/<uuid:case_id>/canalizaciones/<uuid:referral_id>", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def update_referral(case_id: uuid.UUID, referral_id: uuid.UUID) -> Any:
    case = _load(case_id)
    referral = scope.get_referral_for(db.session, current_user, referral_id)
    if referral.case_id != case.id:
        raise NotVisible("referral", referral_id, "not_in_case")
    form = ReferralStatusForm(prefix="estado")
    if not form.validate_on_submit():
        return _refused_inline(case_id, "Elija un estado válido para la canalización.")
    try:
        services.update_referral_status(db.session, current_user, case, referral,
                                        ReferralStatus(form.status.data), form.response.data)
    except DomainError as exc:
        return _refused_inline(case_id, str(exc))
    flash("Canalización actualizada.", "success")
    return redirect(url_for("cases.view_case", case_id=case_id))


@bp.route("/<uuid:case_id>/servicios/<uuid:service_id>", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def update_service(case_id: uuid.UUID, service_id: uuid.UUID) -> Any:
    case = _load(case_id)
    service = scope.get_service_for(db.session, current_user, service_id)
    if service.case_id != case.id:
        raise NotVisible("case_service", service_id, "not_in_case")
    form = ServiceStatusForm(prefix="estado_servicio")
    if not form.validate_on_submit():
        return _refused_inline(case_id, "Elija un estado válido para el servicio.")
    try:
        services.update_service_status(db.session, current_user, case, service, ServiceStatus(form.status.data))
    except DomainError as exc:
        return _refused_inline(case_id, str(exc))
    flash("Servicio actualizado.", "success")
    return redirect(url_for("cases.view_case", case_id=case_id))


def _refused_inline(case_id: uuid.UUID, message: str) -> Any:
    """A refused update from a table row: the page again with the message on top, nothing written."""
    db.discard_refused_work()  # the page's "view" audit entry is kept
    flash(message, "error")
    return _render_case(_load(case_id), 400)


@bp.route("/<uuid:case_id>/notas", methods=["POST"])
@require_permission(Permission.RECORD_SERVICES)
def add_note(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: NoteForm) -> str:
        services.add_note(db.session, current_user, case, form.body.data)
        return "Nota agregada."

    return _act(case_id, "nota", run)
