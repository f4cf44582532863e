"""Administrators create, edit, deactivate accounts and end their sessions."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from dfi_casos import scope
from dfi_casos.admin.forms import UserForm
from dfi_casos.auth import mfa, services
from dfi_casos.auth.models import User
from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version, select_choices
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _state_choices() -> list[SelectChoice]:
    # A state administrator can only grant states of their own territory.
    allowed = None if current_user.is_national else set(current_user.states)
    return select_choices((code, name) for code, name in STATE_CHOICES if allowed is None or code in allowed)


def _territory_error(form: UserForm) -> bool:
    """A state administrator may not grant national scope; True (with the field error) when they tried."""
    if form.is_national.data and not current_user.is_national:
        form.is_national.errors = [*form.is_national.errors,
                                   _("Solo una cuenta de alcance nacional puede otorgar alcance nacional.")]
        return True
    return False


def _account_data(form: UserForm) -> services.AccountData:
    return services.AccountData(
        username=form.username.data or "",
        full_name=form.full_name.data or "",
        email=form.email.data or "",
        role=form.role_value(),
        is_national=bool(form.is_national.data),
        states=list(form.states.data or []),
        active=bool(form.active.data),
        password=form.password.data or None,
    )


@bp.route("/users")
@require_permission(Permission.MANAGE_USERS)
def users() -> Any:
    accounts = db.session.scalars(select(User).where(scope.manageable_accounts_clause(current_user))
                                  .order_by(User.username)).all()
    return render_template("admin/users.html", users=accounts)


@bp.route("/claves")
@require_permission(Permission.MANAGE_KEYS)
def keys() -> Any:
    """Key ids and their state for administrators; rotating them is `dfi-casos keys` (docs/encryption.md)."""
    status = current_app.extensions["dfi_keys"].status()
    audit.record_view(db.session, current_user, "key_ring", None, fields=["key_ids", "active_key_id"])
    return render_template("admin/keys.html", status=status)


@bp.route("/users/new", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_USERS)
def new_user() -> Any:
    form = UserForm()
    form.states.choices = _state_choices()
    if form.validate_on_submit() and not _territory_error(form):
        try:
            user = services.create_user(db.session, current_app.config, current_user, _account_data(form))
        except DomainError as exc:
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Cuenta %(username)s creada.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_USERS)
def edit_user(user_id: int) -> Any:
    user = scope.get_account_for(db.session, current_user, user_id)
    form = UserForm(obj=None if request.method == "POST" else user)
    form.states.choices = _state_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.states.data = user.states
        form.version.data = str(user.version)
        audit.record_view(db.session, current_user, "user", user.id, fields=["full_name", "email"])
    if form.validate_on_submit() and not _territory_error(form):
        try:
            services.update_user(db.session, current_app.config, current_user, user, _account_data(form),
                                 parse_version(form.version.data))
        except DomainError as exc:
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Cuenta %(username)s actualizada.", username=user.username), "success")
            return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/revoke", methods=["POST"])
@require_permission(Permission.MANAGE_USERS)
def revoke_user_sessions(user_id: int) -> Any:
    user = scope.get_account_for(db.session, current_user, user_id)
    services.revoke_sessions(db.session, current_user, user)
    flash(_("Se cerraron todas las sesiones de %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))



@bp.route("/users/<int:user_id>/mfa/reset", methods=["POST"])
@require_permission(Permission.MANAGE_USERS)
def reset_user_mfa(user_id: int) -> Any:
    user = scope.get_account_for(db.session, current_user, user_id)
    mfa.reset(db.session, current_user, user)
    flash(_("Se restableció la verificación en dos pasos de %(username)s: la activará de nuevo al iniciar sesión. "
            "Sus sesiones se cerraron.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))

# The API access screens join `bp` when they load.
from dfi_casos.admin import token_views  # noqa: E402,F401
