"""The XLSForm for KoboToolbox and ODK Collect, generated from the model's enumerations and catalogs.

`dfi-casos imports form` writes it to `imports/data/registro_dfi.xlsx`; a test checks the
shipped file equals a fresh generation and that pyxform converts it, so the form the field
teams load never drifts from what the importer reads.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from openpyxl import Workbook

from dfi_casos.catalogs.enums import DisabilityDomain
from dfi_casos.catalogs.geography import CURP_STATE_CODES, STATES, MunicipalityCatalog, load_municipalities
from dfi_casos.catalogs.languages import language_choices
from dfi_casos.imports import fields as f
from dfi_casos.registry.curp import CHECK_ALPHABET, CURP_LENGTH

LANG = "Español (es)"
LABEL, HINT, MESSAGE = f"label::{LANG}", f"hint::{LANG}", f"constraint_message::{LANG}"
SURVEY_COLUMNS = ("type", "name", LABEL, HINT, "required", "constraint", MESSAGE, "relevant", "appearance",
                  "choice_filter")
CHOICE_COLUMNS = ("list_name", "name", LABEL, "estado")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language", "instance_name")

FORM_TITLE = "Registro de hogares en desplazamiento forzado interno (DFI)"

#: Matches what registry.curp.validate_curp accepts, apart from the date (checked on import).
CURP_PATTERN = ("^[A-ZÑ]{4}[0-9]{6}[HMX](" + "|".join(sorted(CURP_STATE_CODES))
                + ")[B-DF-HJ-NP-TV-ZÑ]{3}[0-9A-Z][0-9]$")


def curp_constraint() -> str:
    """The CURP rule in XPath: the pattern, then RENAPO's check digit.

    Each character's value is its position in CHECK_ALPHABET, found as the length of what
    precedes it there; position 1 weighs 18. ODK Collect and Enketo both evaluate this offline.
    """
    terms = [f"string-length(substring-before('{CHECK_ALPHABET}', substring(., {i + 1}, 1))) * {CURP_LENGTH - i}"
             for i in range(CURP_LENGTH - 1)]
    total = " + ".join(terms)
    return (f"regex(., '{CURP_PATTERN}') and "
            f"(10 - (({total}) mod 10)) mod 10 = number(substring(., {CURP_LENGTH}, 1))")


def _q(kind: str, name: str, hint: str = "", **extra: str) -> dict[str, str]:
    row = {"type": kind, "name": name, LABEL: str(f.label(name)), HINT: hint}
    row.update({key.replace("__", "::"): value for key, value in extra.items()})
    return row


def _required(row: dict[str, str]) -> dict[str, str]:
    row["required"] = "yes"
    return row


NOT_FUTURE = {"constraint": ". <= today()", MESSAGE: "La fecha no puede ser posterior a hoy."}


def survey_rows() -> list[dict[str, str]]:
    """The `survey` sheet: event, household, then the members' repeat."""
    yes = f"'{f.YES}'"
    rows = [
        _q("today", "fecha_entrevista"),
        {"type": "begin_group", "name": "evento", LABEL: "Evento de desplazamiento",
         HINT: "Lo que vivió el hogar; en un desplazamiento masivo, lo mismo para todas las familias."},
        _required(_q(f"select_one {f.EVENT_TYPES.name}", "tipo_evento",
                     "Masivo: 10 o más familias o 50 o más personas desplazadas juntas.")),
        _required({**_q("date", "fecha_evento", "Si duró varios días, el primero."), **NOT_FUTURE}),
        _required(_q("select_one estado", "estado_origen", appearance="minimal")),
        _q("select_one municipio", "municipio_origen", "Se muestran los municipios de la entidad elegida.",
           appearance="minimal", choice_filter="estado=${estado_origen}"),
        _q("text", "localidad_origen", "Nombre de la localidad, ranchería o colonia."),
        _required(_q(f"select_multiple {f.CAUSES.name}", "causas")),
        _required(_q("text", "causa_otra", relevant="selected(${causas}, 'other')")),
        {"type": "end_group", "name": "evento"},
        {"type": "begin_group", "name": "hogar", LABEL: "Hogar"},
        _required(_q("select_one estado", "estado", "Entidad donde se atiende al hogar.", appearance="minimal")),
        _q("select_one municipio", "municipio", appearance="minimal", choice_filter="estado=${estado}"),
        _q("text", "notas_hogar", "Sin datos de terceros; lo indispensable para la atención.", appearance="multiline"),
        {"type": "begin_repeat", "name": f.MEMBERS, LABEL: "Integrantes del hogar",
         HINT: "Registre primero a la jefa o jefe del hogar y después a cada integrante."},
        _required(_q("text", "nombre")),
        _required(_q("text", "primer_apellido")),
        _q("text", "segundo_apellido"),
        _required({**_q(f"select_one {f.RELATIONSHIPS.name}", "parentesco"),
                   "constraint": "if(position(..) = 1, . = 'head', . != 'head')",
                   MESSAGE: "La primera persona es la jefa o jefe del hogar, y solo ella o él."}),
        _required(_q(f"select_one {f.SEXES.name}", "sexo")),
        {**_q("text", "curp", "18 caracteres en mayúsculas, sin espacios. Déjela vacía si no la tiene."),
         "constraint": curp_constraint(),
         MESSAGE: "La CURP no es válida: revise cada carácter (18, en mayúsculas) y el dígito verificador."},
        _required(_q(f"select_one {f.YES_NO_LIST.name}", "conoce_fecha")),
        _required({**_q("date", "fecha_nacimiento", relevant=f"${{conoce_fecha}} = {yes}"), **NOT_FUTURE}),
        _required({**_q("integer", "edad_estimada", relevant=f"${{conoce_fecha}} = '{f.NO}'"),
                   "constraint": ". >= 0 and . <= 120", MESSAGE: "Una edad entre 0 y 120 años."}),
        _q(f"select_one {f.YES_NO_UNKNOWN_LIST.name}", "indigena", "Autoadscripción: lo que la persona declara."),
        _q("select_multiple lengua", "lenguas", "Agrupaciones lingüísticas del INALI.", appearance="minimal"),
        _q(f"select_one {f.YES_NO_LIST.name}", "habla_espanol"),
        _q(f"select_one {f.YES_NO_UNKNOWN_LIST.name}", "afromexicana"),
        {"type": "begin_group", "name": "discapacidad", LABEL: "Dificultades (Grupo de Washington)",
         HINT: "¿Tiene dificultad para...?", "appearance": "field-list"},
        *(_q(f"select_one {f.DISABILITY_LEVELS.name}", f.disability_field(d)) for d in DisabilityDomain),
        {"type": "end_group", "name": "discapacidad"},
        _q(f"select_multiple {f.NEEDS.name}", "necesidades"),
        _q(f"select_multiple {f.DOCUMENTS.name}", "documentos"),
        {**_q("text", "telefono", "10 dígitos; solo si es seguro llamar a ese número."),
         "constraint": "regex(., '^[0-9]{10}$')", MESSAGE: "Escriba 10 dígitos, sin espacios."},
        _required({**_q(f"select_one {f.YES_NO_LIST.name}", "consentimiento_registro",
                        "Para niñas, niños y adolescentes responde su madre, padre o tutor."),
                   "constraint": f". = {yes}", MESSAGE: "Sin consentimiento no se registra a la persona."}),
        _required(_q(f"select_one {f.YES_NO_LIST.name}", "consentimiento_estadisticas")),
        _required(_q(f"select_one {f.CONSENT_METHODS.name}", "metodo_consentimiento")),
        _required(_q("text", "testigo", relevant="${metodo_consentimiento} = 'verbal_with_witness'")),
        {"type": "end_repeat", "name": f.MEMBERS},
        {"type": "end_group", "name": "hogar"},
    ]
    return rows


def choice_rows(catalog: MunicipalityCatalog) -> Iterator[dict[str, str]]:
    """The `choices` sheet: the enumerations, then states, municipalities (with their state) and languages."""
    lists = (f.EVENT_TYPES, f.CAUSES, f.RELATIONSHIPS, f.SEXES, f.YES_NO_LIST, f.YES_NO_UNKNOWN_LIST,
             f.DISABILITY_LEVELS, f.NEEDS, f.DOCUMENTS, f.CONSENT_METHODS)
    for choice_list in lists:
        for name, text in choice_list.options:
            yield {"list_name": choice_list.name, "name": name, LABEL: str(text)}
    for state in STATES:
        yield {"list_name": "estado", "name": state.inegi_code, LABEL: state.name}
    for state in STATES:
        for municipality in catalog.by_state(state.inegi_code):
            yield {"list_name": "municipio", "name": municipality.code, LABEL: municipality.name,
                   "estado": state.inegi_code}
    for code, name in language_choices():
        yield {"list_name": "lengua", "name": code, LABEL: str(name)}


def form_content(catalog: MunicipalityCatalog | None = None) -> dict[str, list[list[Any]]]:
    """Every sheet as rows of cell values (header first): what is written and what the test compares."""
    catalog = catalog or load_municipalities()
    # The form is a data contract with the field teams' KoboToolbox/ODK forms: its labels are the
    # Spanish texts ("label::Español (es)") whatever the language of the person downloading it.
    with force_locale("es_MX"):
        survey = [[row.get(column, "") for column in SURVEY_COLUMNS] for row in survey_rows()]
        choices = [[row.get(column, "") for column in CHOICE_COLUMNS] for row in choice_rows(catalog)]
    # The version follows the content: Kobo and ODK Central refuse to replace a form with the same version.
    digest = hashlib.sha256(json.dumps([survey, choices], ensure_ascii=False).encode()).hexdigest()
    settings = [[FORM_TITLE, f.FORM_ID, f"v{digest[:12]}", LANG, "concat(${estado}, '-', ${fecha_entrevista})"]]
    return {
        "survey": [list(SURVEY_COLUMNS), *survey],
        "choices": [list(CHOICE_COLUMNS), *choices],
        "settings": [list(SETTINGS_COLUMNS), *settings],
    }


def write_form(path: Path, catalog: MunicipalityCatalog | None = None) -> None:
    """Write the XLSForm workbook (no empty cells written, so the file holds only the form)."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in form_content(catalog).items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([value if value != "" else None for value in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def shipped_form_path() -> Path:
    """The form shipped with the package (downloadable from the import page)."""
    return Path(str(resources.files("dfi_casos.imports") / "data" / f"{f.FORM_ID}.xlsx"))
