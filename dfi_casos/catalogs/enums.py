"""The domain's fixed enumerations: stored values in English, labels in Spanish for the UI."""
from __future__ import annotations

from enum import StrEnum
from typing import Self, cast

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class LabeledEnum(StrEnum):
    """A StrEnum whose members are declared as ("stored_value", "Etiqueta en español")."""

    _label: str | LazyString

    # the documented Enum idiom for extra member attributes: the label lives beside its value;
    # label's default only lets type checkers accept the lookup call Stage("closed")
    def __new__(cls, value: str, label: str | LazyString = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        """The label in the active locale (the Spanish text is the message id)."""
        return str(self._label)

    @property
    def lazy_label(self) -> str:
        """The label translated when shown: for module-level uses (form labels, choices)."""
        return cast(str, self._label)


def choices(enum_cls: type[LabeledEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs in declaration order, for WTForms select fields."""
    return [(member.value, member.lazy_label) for member in enum_cls]


class DisplacementCause(LabeledEnum):
    GENERALIZED_VIOLENCE = "generalized_violence", _l("Violencia generalizada / crimen organizado")
    ARMED_CONFLICT = "armed_conflict", _l("Conflicto armado")
    HUMAN_RIGHTS_VIOLATIONS = "human_rights_violations", _l("Violaciones de derechos humanos")
    POLITICAL_CONFLICT = "political_conflict", _l("Conflicto político o electoral")
    RELIGIOUS_CONFLICT = "religious_conflict", _l("Conflicto religioso")
    COMMUNITY_CONFLICT = "community_conflict", _l("Conflicto comunitario, agrario o territorial")
    NATURAL_DISASTER = "natural_disaster", _l("Desastre natural")
    HUMAN_MADE_DISASTER = "human_made_disaster", _l("Desastre provocado por el ser humano")
    DEVELOPMENT_PROJECT = "development_project", _l("Proyecto de desarrollo a gran escala")
    OTHER = "other", _l("Otra")


class Stage(LabeledEnum):
    PREVENTION = "prevention", _l("Prevención")
    ASSISTANCE = "assistance", _l("Asistencia")
    ATTENTION = "attention", _l("Atención")
    DURABLE_SOLUTIONS = "durable_solutions", _l("Soluciones duraderas")
    CLOSED = "closed", _l("Cerrado")

    @property
    def position(self) -> int:
        """Place in STAGE_ORDER: a move to a lower position is going back and needs a reason."""
        return STAGE_ORDER.index(self)


#: the stages in the order a case moves through them; CLOSED is terminal
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.PREVENTION,
    Stage.ASSISTANCE,
    Stage.ATTENTION,
    Stage.DURABLE_SOLUTIONS,
    Stage.CLOSED,
)


class ClosureReason(LabeledEnum):
    DURABLE_SOLUTION_ACHIEVED = "durable_solution_achieved", _l("Solución duradera alcanzada")
    NOT_RECOGNIZED = "not_recognized", _l("No reconocido")
    DEATH = "death", _l("Fallecimiento")
    LOST_CONTACT = "lost_contact", _l("Pérdida de contacto")
    TRANSFERRED = "transferred", _l("Traslado a otra entidad o institución")
    PERSON_REQUEST = "person_request", _l("Solicitud de la persona")
    DUPLICATE = "duplicate", _l("Duplicado")
    OTHER = "other", _l("Otro")


class AssistanceType(LabeledEnum):
    SHELTER = "shelter", _l("Albergue o alojamiento temporal")
    FOOD = "food", _l("Alimentación")
    WASH = "wash", _l("Agua, saneamiento e higiene")
    NON_FOOD_ITEMS = "non_food_items", _l("Artículos no alimentarios")
    MEDICAL_CARE = "medical_care", _l("Atención médica")
    PSYCHOSOCIAL_CARE = "psychosocial_care", _l("Atención psicosocial")
    LEGAL_ADVICE = "legal_advice", _l("Asesoría jurídica")
    DOCUMENTATION = "documentation", _l("Documentación (reposición de acta, CURP, INE)")
    EDUCATION = "education", _l("Educación (inscripción escolar)")
    CASH_TRANSFER = "cash_transfer", _l("Transferencia monetaria")
    EMPLOYMENT_TRAINING = "employment_training", _l("Empleo y capacitación")
    HOUSING = "housing", _l("Vivienda")
    PROTECTION_MEASURES = "protection_measures", _l("Medidas de protección")
    TRANSPORT = "transport", _l("Transporte")
    FAMILY_TRACING = "family_tracing", _l("Búsqueda y reunificación familiar")


class ServiceStatus(LabeledEnum):
    REQUESTED = "requested", _l("Solicitado")
    IN_PROGRESS = "in_progress", _l("En curso")
    DELIVERED = "delivered", _l("Entregado")
    REJECTED = "rejected", _l("Rechazado")
    CANCELLED = "cancelled", _l("Cancelado")


class ReferralStatus(LabeledEnum):
    SENT = "sent", _l("Enviada")
    ACCEPTED = "accepted", _l("Aceptada")
    REJECTED = "rejected", _l("Rechazada")
    ATTENDED = "attended", _l("Atendida")
    CLOSED = "closed", _l("Cerrada")


class ProtectionRisk(LabeledEnum):
    THREATS = "threats", _l("Amenazas")
    EXTORTION = "extortion", _l("Extorsión")
    FORCED_RECRUITMENT = "forced_recruitment", _l("Reclutamiento forzado (incluye niñas, niños y adolescentes)")
    SEXUAL_OR_GENDER_VIOLENCE = "sexual_or_gender_violence", _l("Violencia sexual o de género")
    RELATIVE_DISAPPEARED = "relative_disappeared", _l("Desaparición de un familiar")
    RELATIVE_KILLED = "relative_killed", _l("Homicidio de un familiar")
    LAND_OR_HOUSING_DISPOSSESSION = "land_or_housing_dispossession", _l("Despojo de tierra o vivienda")
    HUMAN_TRAFFICKING = "human_trafficking", _l("Trata de personas")
    FAMILY_SEPARATION = "family_separation", _l("Separación familiar")
    UNACCOMPANIED_CHILD = "unaccompanied_child", _l("Niña, niño o adolescente no acompañado")
    ARBITRARY_DETENTION = "arbitrary_detention", _l("Detención arbitraria")
    OTHER = "other", _l("Otro")


class SpecificNeed(LabeledEnum):
    PREGNANT = "pregnant", _l("Embarazo")
    UNACCOMPANIED_CHILD = "unaccompanied_child", _l("Niña, niño o adolescente no acompañado")
    OLDER_PERSON_ALONE = "older_person_alone", _l("Persona mayor sola")
    CHRONIC_ILLNESS = "chronic_illness", _l("Enfermedad crónica")
    VIOLENCE_SURVIVOR = "violence_survivor", _l("Sobreviviente de violencia")


class IascCriterion(LabeledEnum):
    """The eight criteria of the IASC Framework on Durable Solutions (2010), in its order."""

    SAFETY = "safety", _l("Seguridad y libertad de movimiento a largo plazo")
    STANDARD_OF_LIVING = "standard_of_living", _l("Nivel de vida adecuado")
    LIVELIHOODS = "livelihoods", _l("Acceso a empleo y medios de vida")
    HOUSING_LAND_PROPERTY = "housing_land_property", _l("Restitución de vivienda, tierra y propiedad, o compensación")
    DOCUMENTATION = "documentation", _l("Acceso a documentación")
    FAMILY_REUNIFICATION = "family_reunification", _l("Reunificación familiar")
    PARTICIPATION = "participation", _l("Participación en asuntos públicos")
    REMEDIES_AND_JUSTICE = "remedies_and_justice", _l("Acceso a recursos efectivos y justicia")


class CriterionStatus(LabeledEnum):
    NOT_ASSESSED = "not_assessed", _l("No evaluado")
    NOT_MET = "not_met", _l("No cumple")
    PARTIAL = "partial", _l("Avance parcial")
    MET = "met", _l("Cumple")
    NOT_APPLICABLE = "not_applicable", _l("No aplica")


class SettlementOption(LabeledEnum):
    RETURN = "return", _l("Retorno")
    LOCAL_INTEGRATION = "local_integration", _l("Integración local")
    RELOCATION = "relocation", _l("Reubicación (asentamiento en otro lugar del país)")


class DisabilityDomain(LabeledEnum):
    """The six domains of the Washington Group short set."""

    SEEING = "seeing", _l("Ver, aun usando lentes")
    HEARING = "hearing", _l("Oír, aun usando aparato auditivo")
    MOBILITY = "mobility", _l("Caminar o subir escalones")
    COGNITION = "cognition", _l("Recordar o concentrarse")
    SELF_CARE = "self_care", _l("Cuidado personal, como bañarse o vestirse")
    COMMUNICATION = "communication", _l("Comunicarse (entender o ser entendido)")


class DisabilityLevel(LabeledEnum):
    NO_DIFFICULTY = "no_difficulty", _l("Sin dificultad")
    SOME_DIFFICULTY = "some_difficulty", _l("Alguna dificultad")
    A_LOT_OF_DIFFICULTY = "a_lot_of_difficulty", _l("Mucha dificultad")
    CANNOT_DO = "cannot_do", _l("No puede hacerlo")


class RegisteredSex(LabeledEnum):
    """Sex as on the birth record, CURP and INE credential (which accept X), or unknown."""

    MALE = "male", _l("Hombre")
    FEMALE = "female", _l("Mujer")
    NON_BINARY = "non_binary", _l("X (no binario)")
    UNKNOWN = "unknown", _l("Se desconoce")

    @property
    def curp_letter(self) -> str | None:
        """The letter a CURP carries for this sex; None when unknown."""
        return _CURP_LETTERS.get(self)


_CURP_LETTERS = {RegisteredSex.MALE: "H", RegisteredSex.FEMALE: "M", RegisteredSex.NON_BINARY: "X"}


class RelationshipToHead(LabeledEnum):
    HEAD = "head", _l("Jefa o jefe")
    SPOUSE_OR_PARTNER = "spouse_or_partner", _l("Cónyuge o pareja")
    CHILD = "child", _l("Hija o hijo")
    PARENT = "parent", _l("Madre o padre")
    SIBLING = "sibling", _l("Hermana o hermano")
    GRANDCHILD = "grandchild", _l("Nieta o nieto")
    OTHER_RELATIVE = "other_relative", _l("Otro pariente")
    NOT_RELATED = "not_related", _l("No pariente")


class DocumentType(LabeledEnum):
    BIRTH_CERTIFICATE = "birth_certificate", _l("Acta de nacimiento")
    CURP = "curp", "CURP"
    INE_CREDENTIAL = "ine_credential", _l("Credencial para votar (INE)")
    PASSPORT = "passport", _l("Pasaporte")
    SCHOOL_RECORDS = "school_records", _l("Documentos escolares")
    PROPERTY_DEEDS = "property_deeds", _l("Escrituras de propiedad")
    AGRARIAN_CERTIFICATES = "agrarian_certificates", _l("Certificados agrarios")


class EventType(LabeledEnum):
    MASS = "mass", _l("Masivo")
    INDIVIDUAL_OR_FAMILY = "individual_or_family", _l("Individual o familiar (gota a gota)")


class CaseSubject(LabeledEnum):
    HOUSEHOLD = "household", _l("Hogar")
    INDIVIDUAL = "individual", _l("Persona")
    COMMUNITY = "community", _l("Comunidad")


class ConsentScope(LabeledEnum):
    REGISTRATION = "registration", _l("Registro")
    SHARING_WITH_INSTITUTION = "sharing_with_institution", _l("Compartir datos con una institución")
    STATISTICS = "statistics", _l("Estadísticas sin datos que identifiquen a la persona")


class ConsentMethod(LabeledEnum):
    SIGNED = "signed", _l("Firmado")
    VERBAL_WITH_WITNESS = "verbal_with_witness", _l("Verbal ante testigo")


class RecognitionDecision(LabeledEnum):
    RECOGNIZED = "recognized", _l("Reconocido")
    NOT_RECOGNIZED = "not_recognized", _l("No reconocido")


class ArcoRight(LabeledEnum):
    """The data-subject rights (derechos ARCO) a person may exercise."""

    ACCESS = "access", _l("Acceso")
    RECTIFICATION = "rectification", _l("Rectificación")
    CANCELLATION = "cancellation", _l("Cancelación")
    OPPOSITION = "opposition", _l("Oposición")


class ObjectionUse(LabeledEnum):
    """The uses of their data a person may object to (derecho de oposición)."""

    STATISTICS = "statistics", _l("Estadísticas e informes (aun sin datos que la identifiquen)")
    REFERRAL = "referral", _l("Canalización a una institución determinada")


class AgeGroup(LabeledEnum):
    """Age bands of the published tables (DOMAIN.md "Statistics"); a person with no date has none (NULL)."""

    AGE_0_4 = "0-4", _l("De 0 a 4 años")
    AGE_5_11 = "5-11", _l("De 5 a 11 años")
    AGE_12_17 = "12-17", _l("De 12 a 17 años")
    AGE_18_29 = "18-29", _l("De 18 a 29 años")
    AGE_30_59 = "30-59", _l("De 30 a 59 años")
    AGE_60_PLUS = "60+", _l("De 60 años o más")
