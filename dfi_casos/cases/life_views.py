"""Pages of a case's life beside the stages: flags, reopening, transfers between states (one page per action)."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.cases import actions, flags, reopening, transfers
from dfi_casos.cases.forms import (
    ApprovalDecisionForm,
    EventTransferForm,
    FlagForm,
    LowerFlagForm,
    ReopenRequestForm,
    TransferDecisionForm,
    TransferRequestForm,
    TransferWithdrawForm,
)
from dfi_casos.cases.life_models import CaseTransfer, FlagType
from dfi_casos.cases.models import Case
from dfi_casos.catalogs.enums import Stage
from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, select_choices
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission


def _flash_error(form: Any, exc: DomainError) -> None:
    if (message := attach_error(form, exc)) is not None:
        flash(message, "error")


# --- flags ----------------------------------------------------------------------------------------------

def raise_flag(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: FlagForm) -> str:
        flag = flags.raise_flag(db.session, current_user, case, FlagType(form.flag_type.data), form.reason.data)
        return _("Alerta levantada: %(flag)s.", flag=flag.flag_type.label)

    return actions.act(case_id, "raise_flag", run)


def lower_flag(case_id: uuid.UUID, flag_id: uuid.UUID) -> Any:
    flag = scope.get_flag_for(db.session, current_user, flag_id)
    case = actions.load(case_id)
    if flag.case_id != case.id:
        raise NotVisible("case_flag", flag.id, "not_in_case")
    form = LowerFlagForm(prefix="bajar")
    if request.method == "GET" and (not flag.is_active or not flags.can_lower(current_user, case)):
        flash(_("Esta alerta ya no se puede bajar."), "warning")
        return redirect(actions.case_url(case_id, "alertas"))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                flags.lower_flag(db.session, current_user, case, flag, form.reason.data)
            except DomainError as exc:
                db.discard_refused_work()
                _flash_error(form, exc)
            else:
                flash(_("Alerta bajada: %(flag)s.", flag=flag.flag_type.label), "success")
                return redirect(actions.case_url(case_id, "alertas"))
        status = 400
    reason = flag.reason or ""
    audit.record_view(db.session, current_user, "case_flag", flag.id, fields=["reason"], state_code=case.state_code,
                      folio=case.folio)
    return render_template("cases/lower_flag.html", case=case, flag=flag, reason=reason, form=form,
                           action_url=request.path), status


# --- reopening ------------------------------------------------------------------------------------------

def request_reopening(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ReopenRequestForm) -> str:
        approval = reopening.request_reopening(db.session, current_user, case, Stage(form.to_stage.data),
                                               form.reason.data, form.expected_version())
        return _("Solicitud enviada: reabrir en «%(stage)s». Otra supervisora o supervisor la decidirá.",
                 stage=approval.to_stage.label)

    return actions.act(case_id, "request_reopening", run)


def decide_reopening(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: ApprovalDecisionForm) -> str:
        approval = reopening.decide_reopening(db.session, current_user, case, form.decision.data == "approve",
                                              form.comment.data, form.expected_version())
        if case.is_open:
            return _("Caso %(folio)s reabierto en «%(stage)s».", folio=case.folio, stage=approval.to_stage.label)
        return _("Reapertura rechazada: %(folio)s.", folio=case.folio)

    return actions.act(case_id, "decide_reopening", run)


# --- transfers ------------------------------------------------------------------------------------------

def request_transfer(case_id: uuid.UUID) -> Any:
    def run(case: Case, form: TransferRequestForm) -> str:
        transfers.request_transfer(db.session, current_user, case, form.to_state.data, form.reason.data,
                                   form.expected_version())
        return _("Traslado solicitado. El caso sigue aquí hasta que una supervisora o un supervisor de la otra "
                 "entidad lo acepte.")

    return actions.act(case_id, "request_transfer", run)


def transfer_list() -> Any:
    desk = transfers.transfer_desk(db.session, current_user)
    return render_template("cases/transfers.html", desk=desk)


def transfer_page(transfer_id: uuid.UUID) -> Any:
    transfer = scope.get_transfer_for(db.session, current_user, transfer_id)
    form = TransferDecisionForm(prefix="traslado")
    may_decide = transfers.can_decide(current_user, transfer)
    status = 200
    if request.method == "POST":
        if not may_decide:
            raise NotVisible("case_transfer", transfer.id, "cannot_decide")
        _decision_choices(form, transfer)
        if form.validate_on_submit():
            accept = form.decision.data == "accept"
            try:
                transfers.decide_transfer(db.session, current_user, transfer, accept,
                                          int(form.new_owner_id.data) if form.new_owner_id.data else None,
                                          form.comment.data)
            except DomainError as exc:
                db.discard_refused_work()
                transfer = scope.get_transfer_for(db.session, current_user, transfer_id)
                _flash_error(form, exc)
            else:
                if accept:
                    flash(_("Traslado aceptado: el caso ya es de su entidad."), "success")
                    return redirect(url_for("cases.view_case", case_id=transfer.case_id))
                flash(_("Traslado rechazado: el caso sigue en la entidad que lo envió."), "success")
                return redirect(url_for("cases.transfer_list"))
        status = 400
    return _transfer_page(transfer, form, TransferWithdrawForm(prefix="retiro"), status)


def withdraw_transfer(transfer_id: uuid.UUID) -> Any:
    transfer = scope.get_transfer_for(db.session, current_user, transfer_id)
    if not transfers.can_withdraw(current_user, transfer) and transfer.is_pending:
        raise NotVisible("case_transfer", transfer.id, "cannot_withdraw")
    form = TransferWithdrawForm(prefix="retiro")
    if form.validate_on_submit():
        try:
            transfers.withdraw_transfer(db.session, current_user, transfer, form.reason.data)
        except DomainError as exc:
            db.discard_refused_work()
            transfer = scope.get_transfer_for(db.session, current_user, transfer_id)
            _flash_error(form, exc)
        else:
            flash(_("Solicitud de traslado retirada: el caso sigue en su entidad."), "success")
            return redirect(url_for("cases.transfer_page", transfer_id=transfer.id))
    return _transfer_page(transfer, TransferDecisionForm(prefix="traslado", formdata=None), form, 400)


def _decision_choices(form: TransferDecisionForm, transfer: CaseTransfer) -> None:
    form.new_owner_id.choices = select_choices(
        [(str(u.id), u.full_name) for u in transfers.receiving_users(db.session, transfer)], blank=_("Elija"))


def _transfer_page(transfer: CaseTransfer, form: TransferDecisionForm, withdraw_form: TransferWithdrawForm,
                   status: int) -> Any:
    may_decide = transfers.can_decide(current_user, transfer)
    if may_decide:
        _decision_choices(form, transfer)
    shown = transfers.line(db.session, transfer)
    audit.record_view(db.session, current_user, "case_transfer", transfer.id, fields=shown.fields,
                      state_code=transfer.to_state_code, folio=shown.folio)
    case_visible = scope.visible(db.session, current_user, Case, transfer.case_id)
    return render_template("cases/transfer.html", line=shown, transfer=transfer, form=form, may_decide=may_decide,
                           withdraw_form=withdraw_form, may_withdraw=transfers.can_withdraw(current_user, transfer),
                           case_visible=case_visible, action_url=url_for("cases.transfer_page",
                                                                          transfer_id=transfer.id)), status


def event_transfer(event_id: uuid.UUID) -> Any:
    event = scope.get_event_for(db.session, current_user, event_id)
    cases = transfers.event_cases(db.session, current_user, event)
    form = EventTransferForm(prefix="traslado_evento")
    form.to_state.choices = select_choices(
        [(code, name) for code, name in STATE_CHOICES if code != event.state_code], blank=_("Elija la entidad"))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                made = transfers.request_event_transfer(db.session, current_user, event, form.to_state.data,
                                                        form.reason.data)
            except DomainError as exc:
                db.discard_refused_work()
                _flash_error(form, exc)
            else:
                flash(_("Traslado solicitado para %(n)s casos del evento.", n=len(made)), "success")
                return redirect(url_for("cases.transfer_list"))
        status = 400
    return render_template("cases/event_transfer.html", event=event, cases=cases, form=form,
                           action_url=request.path), status


def register(bp: Blueprint) -> None:
    """The routes of flags, reopening and transfers, each with the permission it needs."""
    P = Permission  # noqa: N806 - short alias for the table below
    for rule, view, permission in [
        ("/<uuid:case_id>/alertas", raise_flag, P.RECORD_SERVICES),
        ("/<uuid:case_id>/alertas/<uuid:flag_id>", lower_flag, P.RECORD_SERVICES),
        ("/<uuid:case_id>/reapertura", request_reopening, P.REQUEST_STAGE_CHANGE),
        ("/<uuid:case_id>/reapertura/decision", decide_reopening, P.APPROVE_STAGE_CHANGE),
        ("/<uuid:case_id>/traslado", request_transfer, P.REQUEST_STAGE_CHANGE),
        ("/traslados/<uuid:transfer_id>", transfer_page, P.VIEW_CASES),
        ("/evento/<uuid:event_id>/traslado", event_transfer, P.REQUEST_STAGE_CHANGE),
    ]:
        bp.add_url_rule(rule, view.__name__, require_permission(permission)(view), methods=["GET", "POST"])
    bp.add_url_rule("/traslados", "transfer_list", require_permission(P.VIEW_CASES)(transfer_list))
    bp.add_url_rule("/traslados/<uuid:transfer_id>/retirar", "withdraw_transfer",
                    require_permission(P.REQUEST_STAGE_CHANGE)(withdraw_transfer), methods=["POST"])
