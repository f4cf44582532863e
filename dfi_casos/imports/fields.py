"""The field form's vocabulary: question names, choice lists and how answers map to the registry's values.

One table serves the XLSForm generator, the template, and the readers of Kobo, ODK and template
files, so a question renamed here is renamed everywhere at once.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from dfi_casos.catalogs.enums import (
    ConsentMethod,
    DisabilityDomain,
    DisabilityLevel,
    DisplacementCause,
    DocumentType,
    EventType,
    LabeledEnum,
    RegisteredSex,
    RelationshipToHead,
    SpecificNeed,
)

#: The form's id on KoboToolbox / ODK Central; ODK Central names its CSV files after it.
FORM_ID = "registro_dfi"
#: The repeat group of household members; Kobo names its XLSX sheet after it, ODK its CSV.
MEMBERS = "miembros"

YES, NO = "si", "no"
YES_NO = ((YES, "Sí"), (NO, "No"))
#: Answers to self-identification questions: "prefers not to say" is not "no".
YES_NO_UNKNOWN = ((YES, "Sí"), (NO, "No"), ("ns", _l("No sabe o prefiere no responder")))


@dataclass(frozen=True)
class ChoiceList:
    """A list of answers: the stored value (the XLSForm choice name) and its Spanish label."""

    name: str
    options: tuple[tuple[str, str], ...]


def enum_list(name: str, enum_cls: type[LabeledEnum], exclude: Iterable[LabeledEnum] = ()) -> ChoiceList:
    skip = set(exclude)
    return ChoiceList(name, tuple((m.value, m.lazy_label) for m in enum_cls if m not in skip))


EVENT_TYPES = enum_list("tipo_evento", EventType)
CAUSES = enum_list("causa", DisplacementCause)
RELATIONSHIPS = enum_list("parentesco", RelationshipToHead)
SEXES = enum_list("sexo", RegisteredSex)
DISABILITY_LEVELS = enum_list("nivel_dificultad", DisabilityLevel)
NEEDS = enum_list("necesidad", SpecificNeed)
DOCUMENTS = enum_list("documento", DocumentType)
CONSENT_METHODS = enum_list("metodo_consentimiento", ConsentMethod)
YES_NO_LIST = ChoiceList("si_no", YES_NO)
YES_NO_UNKNOWN_LIST = ChoiceList("si_no_ns", YES_NO_UNKNOWN)


def disability_field(domain: DisabilityDomain) -> str:
    """The question name of one Washington Group domain (`dif_seeing`, ...)."""
    return f"dif_{domain.value}"


DISABILITY_FIELDS = {disability_field(d): d for d in DisabilityDomain}

# --- question names --------------------------------------------------------------------------
# Household level (the event's questions travel with each household).
EVENT_FIELDS = ("tipo_evento", "fecha_evento", "estado_origen", "municipio_origen", "localidad_origen", "causas",
                "causa_otra")
HOUSEHOLD_FIELDS = ("estado", "municipio", "notas_hogar", "fecha_entrevista", *EVENT_FIELDS)
MEMBER_FIELDS = (
    "nombre", "primer_apellido", "segundo_apellido", "parentesco", "sexo", "curp", "conoce_fecha",
    "fecha_nacimiento", "edad_estimada", "indigena", "lenguas", "habla_espanol", "afromexicana",
    *DISABILITY_FIELDS, "necesidades", "documentos", "telefono", "consentimiento_registro",
    "consentimiento_estadisticas", "metodo_consentimiento", "testigo",
)
REQUIRED_HOUSEHOLD = ("estado",)
REQUIRED_MEMBER = ("nombre", "primer_apellido", "parentesco")

#: Multiple-choice questions: answers separated by spaces (XLSForm's own encoding).
MULTIPLE = frozenset({"causas", "lenguas", "necesidades", "documentos"})
#: Which list each single-choice question answers from (states, municipalities and languages apart).
SINGLE_CHOICES: dict[str, ChoiceList] = {
    "tipo_evento": EVENT_TYPES, "parentesco": RELATIONSHIPS, "sexo": SEXES,
    "conoce_fecha": YES_NO_LIST, "indigena": YES_NO_UNKNOWN_LIST, "habla_espanol": YES_NO_LIST,
    "afromexicana": YES_NO_UNKNOWN_LIST, "consentimiento_registro": YES_NO_LIST,
    "consentimiento_estadisticas": YES_NO_LIST, "metodo_consentimiento": CONSENT_METHODS,
    **{name: DISABILITY_LEVELS for name in DISABILITY_FIELDS},
}
MULTIPLE_CHOICES: dict[str, ChoiceList] = {"causas": CAUSES, "necesidades": NEEDS, "documentos": DOCUMENTS}

#: Spanish names of the questions, for messages and the template's header notes.
LABELS: dict[str, str] = {
    "tipo_evento": _l("Tipo de desplazamiento"), "fecha_evento": _l("Fecha del desplazamiento"),
    "estado_origen": _l("Entidad de origen"), "municipio_origen": _l("Municipio de origen"),
    "localidad_origen": _l("Localidad de origen"), "causas": _l("Causas"), "causa_otra": _l("Otra causa"),
    "estado": _l("Entidad de atención"), "municipio": _l("Municipio donde se encuentra el hogar"),
    "notas_hogar": _l("Observaciones del hogar"), "fecha_entrevista": _l("Fecha de la entrevista"),
    "nombre": _l("Nombre(s)"), "primer_apellido": _l("Primer apellido"), "segundo_apellido": _l("Segundo apellido"),
    "parentesco": _l("Parentesco con la jefa o jefe del hogar"), "sexo": _l("Sexo (como en el acta o la CURP)"),
    "curp": "CURP", "conoce_fecha": _l("¿Conoce su fecha de nacimiento?"),
    "fecha_nacimiento": _l("Fecha de nacimiento"),
    "edad_estimada": _l("Edad estimada (años)"), "indigena": _l("¿Se considera indígena?"),
    "lenguas": _l("Lenguas indígenas que habla"), "habla_espanol": _l("¿Habla español?"),
    "afromexicana": _l("¿Se considera afromexicana(o) o afrodescendiente?"),
    **{name: _l("Dificultad para: %(domain)s", domain=d.lazy_label) for name, d in DISABILITY_FIELDS.items()},
    "necesidades": _l("Necesidades específicas"), "documentos": _l("Documentos con que cuenta"),
    "telefono": _l("Teléfono"),
    "consentimiento_registro": _l("¿Da su consentimiento informado para el registro?"),
    "consentimiento_estadisticas": _l("¿Acepta que sus datos se usen en estadísticas sin identificarla(o)?"),
    "metodo_consentimiento": _l("¿Cómo se otorgó el consentimiento?"), "testigo": _l("Nombre de la o el testigo"),
    "hogar": _l("Hogar (número o clave)"),
}


def label(name: str) -> str:
    """The Spanish name of a question (its own name when it has none)."""
    return LABELS.get(name, name)
