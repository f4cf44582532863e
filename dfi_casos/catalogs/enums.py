"""The domain's fixed enumerations: stored values in English, labels in Spanish for the UI."""
from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabeledEnum(StrEnum):
    """A StrEnum whose members are declared as ("stored_value", "Etiqueta en español")."""

    label: str

    # the documented Enum idiom for extra member attributes: the label lives beside its value;
    # label's default only lets type checkers accept the lookup call Stage("closed")
    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def choices(enum_cls: type[LabeledEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs in declaration order, for WTForms select fields."""
    return [(member.value, member.label) for member in enum_cls]


class DisplacementCause(LabeledEnum):
    GENERALIZED_VIOLENCE = "generalized_violence", "Violencia generalizada / crimen organizado"
    ARMED_CONFLICT = "armed_conflict", "Conflicto armado"
    HUMAN_RIGHTS_VIOLATIONS = "human_rights_violations", "Violaciones de derechos humanos"
    POLITICAL_CONFLICT = "political_conflict", "Conflicto político o electoral"
    RELIGIOUS_CONFLICT = "religious_conflict", "Conflicto religioso"
    COMMUNITY_CONFLICT = "community_conflict", "Conflicto comunitario, agrario o territorial"
    NATURAL_DISASTER = "natural_disaster", "Desastre natural"
    HUMAN_MADE_DISASTER = "human_made_disaster", "Desastre provocado por el ser humano"
    DEVELOPMENT_PROJECT = "development_project", "Proyecto de desarrollo a gran escala"
    OTHER = "other", "Otra"


class Stage(LabeledEnum):
    PREVENTION = "prevention", "Prevención"
    ASSISTANCE = "assistance", "Asistencia"
    ATTENTION = "attention", "Atención"
    DURABLE_SOLUTIONS = "durable_solutions", "Soluciones duraderas"
    CLOSED = "closed", "Cerrado"

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
    DURABLE_SOLUTION_ACHIEVED = "durable_solution_achieved", "Solución duradera alcanzada"
    NOT_RECOGNIZED = "not_recognized", "No reconocido"
    DEATH = "death", "Fallecimiento"
    LOST_CONTACT = "lost_contact", "Pérdida de contacto"
    TRANSFERRED = "transferred", "Traslado a otra entidad o institución"
    PERSON_REQUEST = "person_request", "Solicitud de la persona"
    DUPLICATE = "duplicate", "Duplicado"
    OTHER = "other", "Otro"


class AssistanceType(LabeledEnum):
    SHELTER = "shelter", "Albergue o alojamiento temporal"
    FOOD = "food", "Alimentación"
    WASH = "wash", "Agua, saneamiento e higiene"
    NON_FOOD_ITEMS = "non_food_items", "Artículos no alimentarios"
    MEDICAL_CARE = "medical_care", "Atención médica"
    PSYCHOSOCIAL_CARE = "psychosocial_care", "Atención psicosocial"
    LEGAL_ADVICE = "legal_advice", "Asesoría jurídica"
    DOCUMENTATION = "documentation", "Documentación (reposición de acta, CURP, INE)"
    EDUCATION = "education", "Educación (inscripción escolar)"
    CASH_TRANSFER = "cash_transfer", "Transferencia monetaria"
    EMPLOYMENT_TRAINING = "employment_training", "Empleo y capacitación"
    HOUSING = "housing", "Vivienda"
    PROTECTION_MEASURES = "protection_measures", "Medidas de protección"
    TRANSPORT = "transport", "Transporte"
    FAMILY_TRACING = "family_tracing", "Búsqueda y reunificación familiar"


class ServiceStatus(LabeledEnum):
    REQUESTED = "requested", "Solicitado"
    IN_PROGRESS = "in_progress", "En curso"
    DELIVERED = "delivered", "Entregado"
    REJECTED = "rejected", "Rechazado"
    CANCELLED = "cancelled", "Cancelado"


class ReferralStatus(LabeledEnum):
    SENT = "sent", "Enviada"
    ACCEPTED = "accepted", "Aceptada"
    REJECTED = "rejected", "Rechazada"
    ATTENDED = "attended", "Atendida"
    CLOSED = "closed", "Cerrada"


class ProtectionRisk(LabeledEnum):
    THREATS = "threats", "Amenazas"
    EXTORTION = "extortion", "Extorsión"
    FORCED_RECRUITMENT = "forced_recruitment", "Reclutamiento forzado (incluye niñas, niños y adolescentes)"
    SEXUAL_OR_GENDER_VIOLENCE = "sexual_or_gender_violence", "Violencia sexual o de género"
    RELATIVE_DISAPPEARED = "relative_disappeared", "Desaparición de un familiar"
    RELATIVE_KILLED = "relative_killed", "Homicidio de un familiar"
    LAND_OR_HOUSING_DISPOSSESSION = "land_or_housing_dispossession", "Despojo de tierra o vivienda"
    HUMAN_TRAFFICKING = "human_trafficking", "Trata de personas"
    FAMILY_SEPARATION = "family_separation", "Separación familiar"
    UNACCOMPANIED_CHILD = "unaccompanied_child", "Niña, niño o adolescente no acompañado"
    ARBITRARY_DETENTION = "arbitrary_detention", "Detención arbitraria"
    OTHER = "other", "Otro"


class SpecificNeed(LabeledEnum):
    PREGNANT = "pregnant", "Embarazo"
    UNACCOMPANIED_CHILD = "unaccompanied_child", "Niña, niño o adolescente no acompañado"
    OLDER_PERSON_ALONE = "older_person_alone", "Persona mayor sola"
    CHRONIC_ILLNESS = "chronic_illness", "Enfermedad crónica"
    VIOLENCE_SURVIVOR = "violence_survivor", "Sobreviviente de violencia"


class IascCriterion(LabeledEnum):
    """The eight criteria of the IASC Framework on Durable Solutions (2010), in its order."""

    SAFETY = "safety", "Seguridad y libertad de movimiento a largo plazo"
    STANDARD_OF_LIVING = "standard_of_living", "Nivel de vida adecuado"
    LIVELIHOODS = "livelihoods", "Acceso a empleo y medios de vida"
    HOUSING_LAND_PROPERTY = "housing_land_property", "Restitución de vivienda, tierra y propiedad, o compensación"
    DOCUMENTATION = "documentation", "Acceso a documentación"
    FAMILY_REUNIFICATION = "family_reunification", "Reunificación familiar"
    PARTICIPATION = "participation", "Participación en asuntos públicos"
    REMEDIES_AND_JUSTICE = "remedies_and_justice", "Acceso a recursos efectivos y justicia"


class CriterionStatus(LabeledEnum):
    NOT_ASSESSED = "not_assessed", "No evaluado"
    NOT_MET = "not_met", "No cumple"
    PARTIAL = "partial", "Avance parcial"
    MET = "met", "Cumple"
    NOT_APPLICABLE = "not_applicable", "No aplica"


class SettlementOption(LabeledEnum):
    RETURN = "return", "Retorno"
    LOCAL_INTEGRATION = "local_integration", "Integración local"
    RELOCATION = "relocation", "Reubicación (asentamiento en otro lugar del país)"


class DisabilityDomain(LabeledEnum):
    """The six domains of the Washington Group short set."""

    SEEING = "seeing", "Ver, aun usando lentes"
    HEARING = "hearing", "Oír, aun usando aparato auditivo"
    MOBILITY = "mobility", "Caminar o subir escalones"
    COGNITION = "cognition", "Recordar o concentrarse"
    SELF_CARE = "self_care", "Cuidado personal, como bañarse o vestirse"
    COMMUNICATION = "communication", "Comunicarse (entender o ser entendido)"


class DisabilityLevel(LabeledEnum):
    NO_DIFFICULTY = "no_difficulty", "Sin dificultad"
    SOME_DIFFICULTY = "some_difficulty", "Alguna dificultad"
    A_LOT_OF_DIFFICULTY = "a_lot_of_difficulty", "Mucha dificultad"
    CANNOT_DO = "cannot_do", "No puede hacerlo"


class RegisteredSex(LabeledEnum):
    """Sex as on the birth record, CURP and INE credential (which accept X), or unknown."""

    MALE = "male", "Hombre"
    FEMALE = "female", "Mujer"
    NON_BINARY = "non_binary", "X (no binario)"
    UNKNOWN = "unknown", "Se desconoce"

    @property
    def curp_letter(self) -> str | None:
        """The letter a CURP carries for this sex; None when unknown."""
        return _CURP_LETTERS.get(self)


_CURP_LETTERS = {RegisteredSex.MALE: "H", RegisteredSex.FEMALE: "M", RegisteredSex.NON_BINARY: "X"}


class RelationshipToHead(LabeledEnum):
    HEAD = "head", "Jefa o jefe"
    SPOUSE_OR_PARTNER = "spouse_or_partner", "Cónyuge o pareja"
    CHILD = "child", "Hija o hijo"
    PARENT = "parent", "Madre o padre"
    SIBLING = "sibling", "Hermana o hermano"
    GRANDCHILD = "grandchild", "Nieta o nieto"
    OTHER_RELATIVE = "other_relative", "Otro pariente"
    NOT_RELATED = "not_related", "No pariente"


class DocumentType(LabeledEnum):
    BIRTH_CERTIFICATE = "birth_certificate", "Acta de nacimiento"
    CURP = "curp", "CURP"
    INE_CREDENTIAL = "ine_credential", "Credencial para votar (INE)"
    PASSPORT = "passport", "Pasaporte"
    SCHOOL_RECORDS = "school_records", "Documentos escolares"
    PROPERTY_DEEDS = "property_deeds", "Escrituras de propiedad"
    AGRARIAN_CERTIFICATES = "agrarian_certificates", "Certificados agrarios"


class EventType(LabeledEnum):
    MASS = "mass", "Masivo"
    INDIVIDUAL_OR_FAMILY = "individual_or_family", "Individual o familiar (gota a gota)"


class CaseSubject(LabeledEnum):
    HOUSEHOLD = "household", "Hogar"
    INDIVIDUAL = "individual", "Persona"
    COMMUNITY = "community", "Comunidad"


class ConsentScope(LabeledEnum):
    REGISTRATION = "registration", "Registro"
    SHARING_WITH_INSTITUTION = "sharing_with_institution", "Compartir datos con una institución"
    STATISTICS = "statistics", "Estadísticas sin datos que identifiquen a la persona"


class ConsentMethod(LabeledEnum):
    SIGNED = "signed", "Firmado"
    VERBAL_WITH_WITNESS = "verbal_with_witness", "Verbal ante testigo"


class RecognitionDecision(LabeledEnum):
    RECOGNIZED = "recognized", "Reconocido"
    NOT_RECOGNIZED = "not_recognized", "No reconocido"


class ArcoRight(LabeledEnum):
    """The data-subject rights (derechos ARCO) a person may exercise."""

    ACCESS = "access", "Acceso"
    RECTIFICATION = "rectification", "Rectificación"
    CANCELLATION = "cancellation", "Cancelación"
    OPPOSITION = "opposition", "Oposición"


class ObjectionUse(LabeledEnum):
    """The uses of their data a person may object to (derecho de oposición)."""

    STATISTICS = "statistics", "Estadísticas e informes (aun sin datos que la identifiquen)"
    REFERRAL = "referral", "Canalización a una institución determinada"


class AgeGroup(LabeledEnum):
    """Age bands of the published tables (DOMAIN.md "Statistics"); a person with no date has none (NULL)."""

    AGE_0_4 = "0-4", "De 0 a 4 años"
    AGE_5_11 = "5-11", "De 5 a 11 años"
    AGE_12_17 = "12-17", "De 12 a 17 años"
    AGE_18_29 = "18-29", "De 18 a 29 años"
    AGE_30_59 = "30-59", "De 30 a 59 años"
    AGE_60_PLUS = "60+", "De 60 años o más"
