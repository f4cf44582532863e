"""The signed-in user's own security pages: devices (active sessions) and the second factor."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from dfi_casos.auth import mfa, services, sessions
from dfi_casos.auth.forms import CodeForm
from dfi_casos.auth.models import User
from dfi_casos.extensions import db
from dfi_casos.formutil import select_choices
from dfi_casos.i18n import DEFAULT_LANGUAGE, LANGUAGE_HELP, LANGUAGES
from dfi_casos.ratelimits import credential_limits
from dfi_casos.security.mfa import SecondFactorRefused, provisioning_uri, qr_data_uri

bp = Blueprint("account", __name__, url_prefix="/cuenta")


def _me() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


class LanguageForm(FlaskForm):
    language = SelectField(_l("Idioma"), choices=select_choices(LANGUAGES.items()), description=LANGUAGE_HELP,
                           validators=[InputRequired(_l("Elija un idioma."))])


@bp.route("/idioma", methods=["GET", "POST"])
def language() -> Any:
    """The user's interface language: screens, messages, exports and PDFs (Spanish by default)."""
    me = _me()
    form = LanguageForm(language=me.language)
    if form.validate_on_submit():
        me.language = form.language.data or DEFAULT_LANGUAGE
        db.session.commit()
        refresh()  # the rest of this request, and the message below, in the new language
        flash(_("Idioma guardado."), "success")
        return redirect(url_for("account.language"))
    return render_template("account/language.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/dispositivos")
def devices() -> Any:
    me = _me()
    current = sessions.token_hash(session.get("sid") or "")
    rows = sessions.open_sessions(db.session, me, current_app.config)
    return render_template("account/devices.html", rows=rows, current=current)


@bp.route("/dispositivos/<uuid:session_id>/cerrar", methods=["POST"])
def revoke_device(session_id: uuid.UUID) -> Any:
    if sessions.revoke_device(db.session, _me(), session_id):
        flash(_("Se cerró la sesión de ese dispositivo."), "success")
    else:
        flash(_("Esa sesión ya estaba cerrada."), "info")
    return redirect(url_for("account.devices"))


def enrolment_context(user: User) -> dict[str, Any]:
    """What the enrolment form shows: the QR (an inline SVG drawn here) and the secret to type by hand."""
    secret = mfa.pending_secret(db.session, user)
    return {"qr": qr_data_uri(provisioning_uri(secret, user.username)),
            "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}


@bp.route("/verificacion", methods=["GET", "POST"])
@credential_limits
def second_factor() -> Any:
    me = _me()
    form = CodeForm()
    enrolled = mfa.is_enrolled(db.session, me)
    status = 200
    if form.validate_on_submit():
        try:
            if enrolled:  # new recovery codes need a current code: a borrowed session alone cannot get them
                mfa.check_code(db.session, current_app.config, me, form.code.data or "")
                codes = mfa.replace_recovery_codes(db.session, me)
            else:
                codes = mfa.confirm_enrolment(db.session, current_app.config, me, form.code.data or "")
        except (SecondFactorRefused, services.LoginFailed) as exc:
            db.session.commit()  # the counted attempt stays, though the answer is a 400
            form.code.errors = [str(exc)]
            status = 400
        else:
            return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("account.second_factor"))
    elif request.method == "POST":
        status = 400
    context = {} if enrolled else enrolment_context(me)
    return render_template("account/second_factor.html", form=form, enrolled=enrolled,
                           required=mfa.required_for(current_app.config, me),
                           unused=mfa.unused_recovery_codes(db.session, me) if enrolled else 0, **context), status
