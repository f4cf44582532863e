"""From a submission's answers to clean registry values, with every problem named: pure functions, no database.

The rules are the registry's (CURP by `validate_curp`, municipality by the INEGI catalog, dates not in
the future); what is particular to a form (choice names, yes/no answers, dates as text or Excel
serials, one head per household, consent to registration) is read here.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from dfi_casos.catalogs.enums import ConsentMethod, RelationshipToHead
from dfi_casos.catalogs.geography import MunicipalityCatalog, state_by_code
from dfi_casos.catalogs.languages import indigenous_languages
from dfi_casos.imports import fields as f
from dfi_casos.imports.readers import BadValue, Cell, Submission, parse_date, text_of
from dfi_casos.registry.curp import CurpInvalida, curp_mismatches, validate_curp
from dfi_casos.security.normalize import normalize_full_name_dob

ERROR, WARNING = "error", "warning"
LANGUAGE_CODES = frozenset(language.code for language in indigenous_languages())
MAX_AGE = 120


@dataclass
class Issue:
    """One problem of one row: where, which question, what (Spanish, without the personal value)."""

    where: str
    message: str
    question: str | None = None
    severity: str = ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "message": self.message, "question": self.question, "severity": self.severity}


@dataclass
class Checked:
    """A household read from a submission: clean values (JSON-ready) and its problems."""

    instance_id: str
    where: str
    clean: dict[str, Any]
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == ERROR for issue in self.issues)

    @property
    def persons(self) -> int:
        return len(self.clean.get("members", []))


class _Reader:
    """Reads one row's answers, collecting problems instead of stopping at the first."""

    def __init__(self, answers: dict[str, Cell], where: str, issues: list[Issue]) -> None:
        self.answers, self.where, self.issues = answers, where, issues

    def problem(self, question: str | None, message: str, severity: str = ERROR) -> None:
        self.issues.append(Issue(self.where, message, question, severity))

    def text(self, name: str, required: bool = False) -> str | None:
        cell = self.answers.get(name)
        if cell is not None and cell.formula:
            self.problem(name, _("%(field)s: la celda contiene una fórmula; pegue solo valores.", field=f.label(name)))
            return None
        value = text_of(cell)
        if not value and required:
            self.problem(name, _("Falta %(field)s.", field=f.label(name)))
        return value or None

    def choice(self, name: str, required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is None:
            return None
        options = f.SINGLE_CHOICES[name].options
        for stored, shown in options:  # the choice name, or its Spanish label (Kobo's "labels" export)
            if value in (stored, shown) or value.casefold() == shown.casefold():
                return stored
        self.problem(name, _("%(field)s: respuesta no reconocida.", field=f.label(name)))
        return None

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        value = self.text(name)
        if value is None:
            return []
        # XLSForm separates the names of a multiple choice with spaces; people typing a template use commas
        picked = [v for v in value.replace(",", " ").replace(";", " ").split() if v]
        known = set(allowed)
        unknown = [v for v in picked if v not in known]
        if unknown:
            self.problem(name, _("%(field)s: %(n)s respuesta(s) no reconocida(s).", field=f.label(name),
                                 n=len(unknown)))
        return list(dict.fromkeys(v for v in picked if v in known))

    def day(self, name: str, today: date, required: bool = False) -> date | None:
        cell = self.answers.get(name)
        if cell is None or cell.value in (None, ""):
            if required:
                self.problem(name, _("Falta %(field)s.", field=f.label(name)))
            return None
        if cell.formula:
            self.problem(name, _("%(field)s: la celda contiene una fórmula; pegue solo valores.", field=f.label(name)))
            return None
        try:
            value = parse_date(cell.value)
        except BadValue as exc:
            self.problem(name, f"{f.label(name)}: {exc}.")
            return None
        if value > today:
            self.problem(name, _("%(field)s: la fecha no puede ser posterior a hoy.", field=f.label(name)))
            return None
        if value.year < 1900:
            self.problem(name, _("%(field)s: la fecha es anterior a 1900.", field=f.label(name)))
            return None
        return value

    def yes(self, name: str) -> bool | None:
        answer = self.choice(name)
        return None if answer in (None, "ns") else answer == f.YES


def _place(reader: _Reader, catalog: MunicipalityCatalog, state_name: str, municipality_name: str,
           required: bool) -> tuple[str | None, str | None]:
    state = reader.text(state_name, required)
    if state is not None:
        state = state.zfill(2)
        if state_by_code(state) is None:
            reader.problem(state_name, _("%(field)s: clave de entidad desconocida.", field=f.label(state_name)))
            return None, None
    municipality = reader.text(municipality_name)
    if municipality is not None:
        municipality = municipality.zfill(5)
        if municipality not in catalog:
            reader.problem(municipality_name, _("%(field)s: municipio desconocido en el catálogo del INEGI.",
                                                field=f.label(municipality_name)))
            municipality = None
        elif state is not None and not catalog.belongs_to(municipality, state):
            reader.problem(municipality_name, _("%(field)s: el municipio no pertenece a la entidad.",
                                                field=f.label(municipality_name)))
            municipality = None
    return state, municipality


def _event(reader: _Reader, catalog: MunicipalityCatalog, today: date) -> dict[str, Any] | None:
    if not any(name in reader.answers for name in f.EVENT_FIELDS):
        return None  # the importer may link the households to an event chosen on the page
    origin_state, origin_municipality = _place(reader, catalog, "estado_origen", "municipio_origen", True)
    started = reader.day("fecha_evento", today, required=True)
    causes = reader.choices("causas", [value for value, _label in f.CAUSES.options])
    if not causes:
        reader.problem("causas", _("Elija al menos una causa del desplazamiento."))
    cause_other = reader.text("causa_otra", required="other" in causes)
    return {"event_type": reader.choice("tipo_evento", required=True), "started_on": _iso(started),
            "origin_state_code": origin_state, "origin_municipality_code": origin_municipality,
            "origin_locality": reader.text("localidad_origen"), "causes": sorted(causes), "cause_other": cause_other}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _member(answers: dict[str, Cell], where: str, state: str | None, interview: date, catalog: MunicipalityCatalog,
            issues: list[Issue]) -> dict[str, Any]:
    reader = _Reader(answers, where, issues)
    person: dict[str, Any] = {
        "given_names": reader.text("nombre", required=True),
        "first_surname": reader.text("primer_apellido", required=True),
        "second_surname": reader.text("segundo_apellido"),
        "registered_sex": reader.choice("sexo") or "unknown",
    }
    birth = reader.day("fecha_nacimiento", interview)
    age_text = reader.text("edad_estimada")
    age = None
    if age_text is not None:
        try:
            age = int(float(age_text))
        except ValueError:
            age = -1
        if not 0 <= age <= MAX_AGE:
            reader.problem("edad_estimada", _("Edad estimada: un número de años entre 0 y %(n)s.", n=MAX_AGE))
            age = None
    person.update(birth_date=_iso(birth), estimated_age=age if birth is None else None,
                  birth_date_estimated=birth is None and age is not None)
    _curp(reader, person, birth)
    person.update(
        indigenous=reader.yes("indigena"), afro_mexican=reader.yes("afromexicana"),
        speaks_spanish=reader.yes("habla_espanol"),
        indigenous_languages=reader.choices("lenguas", LANGUAGE_CODES),
        disability={domain.value: level for name, domain in f.DISABILITY_FIELDS.items()
                    if (level := reader.choice(name))},
        specific_needs=reader.choices("necesidades", [v for v, _ in f.NEEDS.options]),
        documents_held=reader.choices("documentos", [v for v, _ in f.DOCUMENTS.options]),
        phone=_phone(reader), birth_state_code=None,
    )
    relationship = reader.choice("parentesco", required=True)
    consent = reader.choice("consentimiento_registro", required=True)
    if consent == f.NO:
        reader.problem("consentimiento_registro", _("Sin consentimiento para el registro la persona no se importa."))
    method = reader.choice("metodo_consentimiento") or ConsentMethod.SIGNED.value
    witness = reader.text("testigo", required=method == ConsentMethod.VERBAL_WITH_WITNESS.value)
    return {"where": where, "person": person, "relationship": relationship,
            "consent": {"registration": consent == f.YES, "statistics": reader.yes("consentimiento_estadisticas"),
                        "method": method, "witness": witness}}


def _curp(reader: _Reader, person: dict[str, Any], birth: date | None) -> None:
    curp = reader.text("curp")
    person["curp"] = None
    if curp is None:
        return
    try:
        info = validate_curp(curp)
    except CurpInvalida as exc:
        reader.problem("curp", f"CURP: {exc}")
        return
    person["curp"] = info.curp
    for warning in curp_mismatches(info, birth, person["registered_sex"]):
        reader.problem("curp", warning, WARNING)


def _phone(reader: _Reader) -> str | None:
    phone = reader.text("telefono")
    if phone is None:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 10:
        reader.problem("telefono", _("Teléfono: se esperan 10 dígitos."))
        return None
    return digits


def check_submission(submission: Submission, catalog: MunicipalityCatalog, today: date) -> Checked:
    """Read a household: every answer parsed, every problem listed (nothing stops at the first)."""
    issues: list[Issue] = []
    reader = _Reader(submission.answers, submission.where, issues)
    if not submission.instance_id:
        reader.problem(None, _("El envío no tiene identificador (_uuid, KEY o id_formulario)."))
    state, municipality = _place(reader, catalog, "estado", "municipio", True)
    interview = reader.day("fecha_entrevista", today) or today
    clean: dict[str, Any] = {
        "state_code": state, "municipality_code": municipality, "notes": reader.text("notas_hogar"),
        "interview_date": interview.isoformat(), "event": _event(reader, catalog, today),
        "members": [_member(m.answers, m.where, state, interview, catalog, issues) for m in submission.members],
    }
    heads = [m for m in clean["members"] if m["relationship"] == RelationshipToHead.HEAD.value]
    if not clean["members"]:
        reader.problem("miembros", _("El hogar no tiene integrantes."))
    elif len(heads) != 1:
        reader.problem("parentesco", _("El hogar debe tener exactamente una jefa o jefe de hogar "
                                       "(tiene %(n)s).", n=len(heads)))
    return Checked(submission.instance_id, submission.where, clean, issues)


def identity_keys(member: dict[str, Any]) -> list[tuple[str, str]]:
    """What makes two rows the same person within a file: the CURP, or full name with date of birth."""
    person = member["person"]
    keys = []
    if person.get("curp"):
        keys.append(("CURP", person["curp"]))
    if person.get("birth_date"):
        name_dob = normalize_full_name_dob(person["given_names"], person["first_surname"], person["second_surname"],
                                           date.fromisoformat(person["birth_date"]))
        if name_dob:
            keys.append((_("nombre y fecha de nacimiento"), name_dob))
    return keys


class FileDuplicates:
    """Remembers who appeared earlier in the file; later appearances are errors naming the first row."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], str] = {}
        self._instances: dict[str, str] = {}

    def check(self, checked: Checked) -> None:
        first = self._instances.setdefault(checked.instance_id, checked.where) if checked.instance_id else None
        if first is not None and first != checked.where:
            checked.issues.append(Issue(checked.where, _("El envío está repetido en el archivo (ver %(where)s).",
                                                         where=first),
                                        None))
        for member in checked.clean["members"]:
            earlier = {kind: seen for kind, key in identity_keys(member)
                       if (seen := self._seen.setdefault((kind, key), member["where"])) != member["where"]}
            if earlier:
                kinds, where = " y ".join(earlier), next(iter(earlier.values()))
                checked.issues.append(Issue(member["where"],
                                            _("Persona repetida en el archivo (%(kinds)s); ver %(where)s.", kinds=kinds,
                                                             where=where)))
