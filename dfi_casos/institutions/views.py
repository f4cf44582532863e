"""Administrators keep the institutions catalog: list, create, rename, deactivate."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error, parse_version
from dfi_casos.institutions import services
from dfi_casos.institutions.forms import InstitutionForm
from dfi_casos.institutions.models import Institution
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("institutions", __name__, url_prefix="/admin/instituciones")


def _data(form: InstitutionForm) -> services.InstitutionData:
    return services.InstitutionData(code=form.code.data or "", name=form.name.data or "",
                                    active=bool(form.active.data), state_code=form.state_code.data or None)


@bp.route("/")
@require_permission(Permission.MANAGE_CATALOGS)
def index() -> Any:
    return render_template("admin/institutions.html", institutions=services.list_institutions(db.session,
                                                                                            current_user))


@bp.route("/nueva", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CATALOGS)
def new() -> Any:
    form = InstitutionForm()
    return _form_page(form, None, lambda: services.create_institution(db.session, current_user, _data(form)),
                      _("Institución agregada."))


@bp.route("/<int:institution_id>", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CATALOGS)
def edit(institution_id: int) -> Any:
    institution = scope.get_institution_for(db.session, current_user, institution_id)
    form = InstitutionForm(obj=None if request.method == "POST" else institution)
    if request.method == "GET":
        form.version.data = str(institution.version)
        form.state_code.data = institution.state_code or ""
    return _form_page(form, institution,
                      lambda: services.update_institution(db.session, current_user, institution, _data(form),
                                                          parse_version(form.version.data)),
                      _("Institución actualizada."))


def _form_page(form: InstitutionForm, institution: Institution | None, save: Callable[[], object],
               saved_message: str) -> Any:
    """Save a submitted form and go back to the list, or show it again with the refusal beside its field."""
    general_error = None
    if form.validate_on_submit():
        try:
            save()
        except DomainError as exc:
            general_error = attach_error(form, exc)
        else:
            flash(saved_message, "success")
            return redirect(url_for("institutions.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/institution_form.html", form=form, institution=institution,
                           general_error=general_error), status
