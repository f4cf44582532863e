"""Login (password, then the second factor or its enrolment), logout, logout everywhere, own password."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from dfi_casos import web
from dfi_casos.auth import mfa, services, sessions
from dfi_casos.auth.account_views import enrolment_context
from dfi_casos.auth.forms import ChangePasswordForm, CodeForm, LoginForm
from dfi_casos.auth.models import User
from dfi_casos.extensions import db, limiter, login_manager
from dfi_casos.ratelimits import credential_limits
from dfi_casos.security import audit
from dfi_casos.security.mfa import SecondFactorRefused
from dfi_casos.security.passwords import PasswordRejected, check_policy, hash_password, verify_password

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Inicie sesión para continuar.")
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str) -> Any:
    # The account must be active and unrevoked, and this browser's session row still open:
    # a copy of the cookie taken before logout finds its row ended.
    now = datetime.fromtimestamp(web.session_clock(), UTC)
    return services.load_session_user(db.session, session_id, session.get("sid"), current_app.config, now)


def _open_session(user: Any) -> str:
    """Sign in a user who passed every factor: a fresh session, its server-side row; returns where to go."""
    services.complete_login(db.session, user)
    next_url = _safe_next(request.args.get("next") or session.get("login_next"))
    session.clear()  # a fresh session after login: no fixation
    login_user(user)
    session["sid"] = sessions.start_session(db.session, user, user_agent=request.user_agent.string,
                                            origin=request.remote_addr or "")
    return next_url


def _second_step(user: Any) -> Any:
    """Password accepted; the second factor (or its enrolment) comes next, in a half-open session."""
    next_target = request.args.get("next")
    session.clear()
    session.update(mfa_user_id=user.id, mfa_since=web.session_clock(), login_next=next_target)
    endpoint = "auth.second_factor" if mfa.is_enrolled(db.session, user) else "auth.enrol"
    return redirect(url_for(endpoint))


def _pending_user() -> Any:
    """The account half-way through login, or None when there is none or it waited too long."""
    user_id, since = session.get("mfa_user_id"), session.get("mfa_since", 0.0)
    if not user_id or web.session_clock() - float(since) > PENDING_SECONDS:
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _code_refused(form: CodeForm, exc: Exception) -> None:
    # The counted attempt and its audit entries are this request's work: they stay despite the 401.
    db.session.commit()
    form.code.errors = [str(exc)]


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would help a phishing page.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


#: Seconds a password-verified login may wait for its second factor.
PENDING_SECONDS = 300


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, current_app.config, form.username.data or "",
                                         form.password.data or "")
        except services.LoginFailed as exc:
            # The failure counters and their audit entries are this request's work: they stay
            # although the answer is a 401 (which the request's end would roll back).
            db.session.commit()
            form.password.errors = [str(exc)]
            status = 401
        else:
            if mfa.required_for(current_app.config, user) or mfa.is_enrolled(db.session, user):
                return _second_step(user)
            return redirect(_open_session(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, demo_mode=current_app.config["DEMO_MODE"]), status


@bp.route("/login/codigo", methods=["GET", "POST"])
@credential_limits
def second_factor() -> Any:
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            mfa.check_code(db.session, current_app.config, user, form.code.data or "")
        except (SecondFactorRefused, services.LoginFailed) as exc:
            _code_refused(form, exc)
            status = 401
        else:
            return redirect(_open_session(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/second_factor.html", form=form), status


@bp.route("/login/activar", methods=["GET", "POST"])
@credential_limits
def enrol() -> Any:
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if mfa.is_enrolled(db.session, user):
        return redirect(url_for("auth.second_factor"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(db.session, current_app.config, user, form.code.data or "")
        except (SecondFactorRefused, services.LoginFailed) as exc:
            _code_refused(form, exc)
            status = 401
        else:
            next_url = _open_session(user)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    elif request.method == "POST":
        status = 400
    return render_template("auth/enrol.html", form=form, **enrolment_context(user)), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    audit.record(db.session, action="logout", actor=current_user, object_type="user", object_id=current_user.id)
    sessions.end_session(db.session, session.get("sid"))
    logout_user()
    session.clear()
    flash(_("Cerró su sesión."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
def logout_everywhere() -> Any:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    services.revoke_sessions(db.session, user, user)
    logout_user()
    session.clear()
    flash(_("Se cerraron todas sus sesiones, en todos los equipos."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@credential_limits
def change_password() -> Any:
    form = ChangePasswordForm()
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if form.validate_on_submit():
        config = current_app.config
        if not verify_password(config, user.password_hash, form.current_password.data or ""):
            form.current_password.errors = [_("La contraseña actual no es correcta.")]
        else:
            try:
                check_policy(form.new_password.data or "", min_length=int(config["PASSWORD_MIN_LENGTH"]),
                             username=user.username)
            except PasswordRejected as exc:
                form.new_password.errors = [str(exc)]
            else:
                user.password_hash = hash_password(config, form.new_password.data or "")
                user.session_version += 1
                sessions.end_all_sessions(db.session, user, keep_token=session.get("sid"))
                audit.record(db.session, action="password_change", actor=user, object_type="user",
                             object_id=user.id)
                db.session.flush()
                login_user(user)  # keep this session, end the others
                flash(_("Su contraseña cambió. Sus otras sesiones se cerraron."), "success")
                return redirect(url_for("main.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status
