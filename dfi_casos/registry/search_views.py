"""The search page: one box (CURP, folio, phone or name) and the detailed name form; terms only in POST bodies."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional

from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.errors import DomainError
from dfi_casos.extensions import db
from dfi_casos.formutil import attach_error
from dfi_casos.ratelimits import search_limits
from dfi_casos.registry import finder, forms, services
from dfi_casos.registry.name_search import NameQuery
from dfi_casos.security.access import Permission, has_permission, require_permission

bp = Blueprint("search", __name__, url_prefix="/busqueda")

#: Fields of a person a results row shows (audited by name with the search).
ROW_FIELDS = ["given_names", "first_surname", "second_surname", "birth_date"]


class QuickSearchForm(FlaskForm):
    q = StringField(_l("CURP, folio, teléfono o nombre"), validators=[
        Optional(), Length(max=finder.MAX_QUERY, message=_l("Máximo %(n)s caracteres.", n=finder.MAX_QUERY))],
        description=_l("Por ejemplo: «Ma. Hernández López 1985», «DFI-GRO-2026-000123», una CURP o un teléfono."))
    estado = forms._select(_l("Entidad"), forms.STATE_CHOICES, blank=_l("Todas"))


class DetailedSearchForm(FlaskForm):
    given_names = forms._text(100, "nombre(s)")
    first_surname = forms._text(100, _l("primer apellido"))
    second_surname = forms._text(100, _l("segundo apellido"))
    birth_date = DateField(_l("Fecha de nacimiento"), validators=[Optional(), forms.not_in_future])
    birth_year = IntegerField(_l("Año de nacimiento"), validators=[
        Optional(), NumberRange(1900, 2100, message=_l("Escriba un año entre 1900 y el actual."))])
    estado = forms._select(_l("Entidad"), forms.STATE_CHOICES, blank=_l("Todas"))


def _row(person: Any, hit: Any, cases: dict[Any, Any]) -> dict[str, Any]:
    membership = person.current_membership
    case = cases.get(person.id)
    municipality = services.municipalities().get(person.municipality_code or "") if person.municipality_code else None
    state = state_by_code(person.state_code)
    return {"id": person.id, "name": person.full_name(), "age": finder.age_of(person),
            "municipality": municipality.name if municipality else "—", "state": state.name if state else "—",
            "household_id": membership.household_id if membership else None,
            "case": case, "score": hit.score, "matched": hit.matched}


def _render(quick: QuickSearchForm, detailed: DetailedSearchForm, outcome: finder.Outcome | None,
            status: int = 200) -> Any:
    rows = []
    if outcome is not None and outcome.hits:
        persons = [hit.person for hit in outcome.hits]
        cases = finder.open_cases(db.session, current_user, persons)
        rows = [_row(hit.person, hit, cases) for hit in outcome.hits]
    return render_template("search/index.html", quick=quick, detailed=detailed, outcome=outcome, rows=rows,
                           elsewhere=finder.ELSEWHERE, kind_labels=finder.KIND_LABELS,
                           may_merge=has_permission(current_user, Permission.MERGE_PERSONS)), status


def _detailed_query(form: DetailedSearchForm) -> NameQuery:
    return NameQuery(given_names=form.given_names.data, first_surname=form.first_surname.data,
                     second_surname=form.second_surname.data, birth_date=form.birth_date.data,
                     birth_year=form.birth_year.data)


@bp.route("/", methods=["GET", "POST"])
@search_limits
@require_permission(Permission.VIEW_CASES)
def index() -> Any:
    quick, detailed = QuickSearchForm(prefix="rapida"), DetailedSearchForm(prefix="detalle")
    if request.method == "GET":
        return _render(quick, detailed, None)
    which = request.form.get("buscar")
    form: FlaskForm = detailed if which == "detalle" else quick
    if not form.validate_on_submit():
        return _render(quick, detailed, None, 400)
    try:
        if which == "detalle":
            how = finder.Interpretation("name", name=_detailed_query(detailed))
            state = detailed.estado.data or None
        else:
            how = finder.interpret(quick.q.data)
            state = quick.estado.data or None
        outcome = finder.find(db.session, current_user, how, state)
    except DomainError as exc:
        if attach_error(form, exc):  # no such field on this form: the box or the first surname takes it
            fallback = detailed.first_surname if which == "detalle" else quick.q
            fallback.errors = [*fallback.errors, str(exc)]
        return _render(quick, detailed, None, 400)
    return _render(quick, detailed, outcome)
