"""Administrators' screens for machine access (#21): service accounts and their API tokens.

A token is shown once, on the page that answers its creation, and never again (the database keeps
its SHA-256 only). The rules (territory, groups, expiry) are `dfi_casos.api.tokens`.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange

from dfi_casos import scope
from dfi_casos.admin.views import _state_choices, bp
from dfi_casos.api import tokens
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.errors import DomainError, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import MultiCheckboxField, attach_error, select_choices
from dfi_casos.security.access import ROLE_LABELS, Permission, Role, require_permission


class ServiceAccountForm(FlaskForm):
    username = StringField(_l("Usuario de la cuenta de servicio"), validators=[
        DataRequired(_l("Escriba el nombre de usuario.")), Length(min=3, max=64)])
    full_name = StringField(_l("Sistema o institución"), validators=[
        DataRequired(_l("Escriba el nombre del sistema.")), Length(max=200)])
    email = StringField(_l("Correo de la persona responsable"), validators=[
        DataRequired(_l("Escriba el correo electrónico.")), Email(_l("El correo electrónico no es válido.")),
        Length(max=254)])
    state_code = SelectField(_l("Entidad"), validators=[DataRequired(_l("Elija una entidad."))])


class TokenForm(FlaskForm):
    label = StringField(_l("Descripción"), validators=[DataRequired(_l("Escriba una descripción.")),
                                                       Length(max=80)],
                        description=_l("Para qué sistema es, sin datos personales (p. ej. «Kobo Chiapas»)."))
    role = SelectField(_l("Rol con que actúa"),
                       choices=select_choices((role.value, label) for role, label in ROLE_LABELS.items()))
    state_code = SelectField(_l("Entidad"), validators=[DataRequired(_l("Elija una entidad."))])
    groups = MultiCheckboxField(_l("Operaciones permitidas"))
    days = IntegerField(_l("Vigencia (días)"), default=90,
                        validators=[NumberRange(min=1, max=tokens.MAX_DAYS,
                                                message=_l("Entre 1 y 365 días."))])


def _service_account(user_id: int) -> Any:
    account = scope.get_account_for(db.session, current_user, user_id)
    if not account.is_service_account:
        raise NotVisible("user", user_id, "not_service_account")
    return account


@bp.route("/api")
@require_permission(Permission.MANAGE_USERS)
def api_tokens() -> Any:
    accounts = tokens.service_accounts(db.session(), current_user)
    by_account: dict[int, list[Any]] = {account.id: [] for account in accounts}
    for token in tokens.tokens_of(db.session(), current_user, accounts):
        by_account[token.account_id].append(token)
    return render_template("admin/api_tokens.html", accounts=accounts, tokens=by_account,
                           group_labels=tokens.GROUPS, role_labels=ROLE_LABELS, state_name=_state_name)


def _state_name(code: str) -> str:
    state = state_by_code(code)
    return state.name if state else code


@bp.route("/api/cuentas/nueva", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_USERS)
def new_service_account() -> Any:
    form = ServiceAccountForm()
    form.state_code.choices = _state_choices()
    general_error = None
    if form.validate_on_submit():
        try:
            account = tokens.create_service_account(
                db.session(), current_user, username=form.username.data or "", full_name=form.full_name.data or "",
                email=form.email.data or "", state_code=form.state_code.data or "")
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash(_("Cuenta de servicio %(username)s creada. Ahora emita su token.", username=account.username),
                  "success")
            return redirect(url_for("admin.new_api_token", user_id=account.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/service_account_form.html", form=form, general_error=general_error), status


@bp.route("/api/cuentas/<int:user_id>/tokens/nuevo", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_USERS)
def new_api_token(user_id: int) -> Any:
    account = _service_account(user_id)
    form = TokenForm()
    form.state_code.choices = select_choices((code, _state_name(code)) for code in account.states)
    form.groups.choices = [(group, str(label)) for group, label in tokens.GROUPS.items()]
    if request.method == "GET":
        form.role.data = Role.CASEWORKER.value
    general_error = None
    if form.validate_on_submit():
        try:
            token, text = tokens.issue_token(db.session(), current_user, account, label=form.label.data or "",
                                             role=Role(form.role.data), state_code=form.state_code.data or "",
                                             groups=list(form.groups.data or []), days=int(form.days.data or 0))
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            # The only time the token is shown: this answer is never cached (Cache-Control: no-store).
            return render_template("admin/api_token_issued.html", account=account, token=token, text=text,
                                   group_labels=tokens.GROUPS, role_labels=ROLE_LABELS, state_name=_state_name)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/api_token_form.html", form=form, account=account,
                           general_error=general_error), status


@bp.route("/api/tokens/<int:token_id>/revocar", methods=["POST"])
@require_permission(Permission.MANAGE_USERS)
def revoke_api_token(token_id: int) -> Any:
    token = tokens.revoke_token(db.session(), current_user, token_id)
    flash(_("Token %(prefix)s revocado: deja de funcionar desde ahora.", prefix=token.prefix), "success")
    return redirect(url_for("admin.api_tokens"))
