"""Referral letters: administrators edit the templates per kind of institution; caseworkers generate the oficio."""
from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dfi_casos import scope
from dfi_casos.documents import letters
from dfi_casos.documents.letter_forms import LetterForm, TemplateForm
from dfi_casos.documents.letters import InstitutionKind
from dfi_casos.documents.models import RecordType
from dfi_casos.documents.views import record_url
from dfi_casos.errors import DomainError, EditConflict, NotVisible
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error
from dfi_casos.institutions.models import Institution
from dfi_casos.security.access import Permission, require_permission

bp = Blueprint("letters", __name__, url_prefix="/oficios")


def _require_template_editor() -> None:
    if not scope.can_edit_letter_templates(current_user):
        raise NotVisible("letter_template", None, "not_national_catalog_administrator")


@bp.route("/plantillas")
@require_permission(Permission.MANAGE_CATALOGS)
def templates() -> Any:
    _require_template_editor()
    rows = [(kind, letters.template_for(db.session, kind)) for kind in InstitutionKind]
    return render_template("documents/letter_templates.html", rows=rows)


@bp.route("/plantillas/<kind>", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_CATALOGS)
def edit_template(kind: str) -> Any:
    _require_template_editor()
    if kind not in set(InstitutionKind):
        raise NotVisible("letter_template", kind[:40], "absent")
    institution_kind = InstitutionKind(kind)
    template = letters.template_for(db.session, institution_kind)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(template.version or "")
    elif form.validate_on_submit():
        if template.id is not None and form.version.data != str(template.version):
            form.body.errors = [EditConflict().message]
        else:
            try:
                letters.save_template(db.session, current_user, institution_kind, form.subject.data or "",
                                      form.body.data or "", form.copies.data or "")
            except DomainError as exc:
                db.discard_refused_work()
                if (message := attach_error(form, exc)) is not None:
                    flash(message, "error")
            else:
                flash(_("Plantilla guardada."), "success")
                return redirect(url_for("letters.templates"))
    status = 400 if request.method == "POST" else 200
    return render_template("documents/letter_template.html", kind=institution_kind, form=form,
                           placeholders=letters.PLACEHOLDERS), status


@bp.route("/canalizaciones/<uuid:referral_id>", methods=["GET", "POST"])
@require_permission(Permission.RECORD_SERVICES)
def generate(referral_id: uuid.UUID) -> Any:
    referral = scope.get_referral_for(db.session, current_user, referral_id)
    case = scope.get_case_for(db.session, current_user, referral.case_id)
    institution = db.session.get(Institution, referral.institution_id)
    form = LetterForm()
    if request.method == "GET":
        form.signer.data = current_user.full_name
    elif form.validate_on_submit():
        try:
            letters.generate(db.session, current_user, case, referral, signer=form.signer.data or "",
                             signer_post=form.signer_post.data or "")
        except DomainError as exc:
            db.discard_refused_work()
            if (message := attach_error(form, exc)) is not None:
                flash(message, "error")
        else:
            flash(_("Oficio generado y adjuntado a la canalización."), "success")
            return redirect(record_url(RecordType.REFERRAL, referral.id))
    status = 400 if request.method == "POST" else 200
    kind = letters.kind_of(institution) if institution else InstitutionKind.FEDERAL
    return render_template("documents/letter_form.html", form=form, case=case, referral=referral,
                           institution=institution, kind=kind), status
