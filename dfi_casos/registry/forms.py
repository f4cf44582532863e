"""Registry forms: persons, households with member rows, events, communities, consent, search, list filters."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from dfi_casos.catalogs.enums import (
    ConsentMethod,
    ConsentScope,
    DisabilityDomain,
    DisabilityLevel,
    DisplacementCause,
    DocumentType,
    EventType,
    ProtectionRisk,
    RegisteredSex,
    RelationshipToHead,
    SpecificNeed,
    choices,
)
from dfi_casos.catalogs.geography import STATE_CHOICES, MunicipalityCatalog
from dfi_casos.catalogs.languages import language_choices
from dfi_casos.database import local_today
from dfi_casos.formutil import MultiCheckboxField, select_choices
from dfi_casos.registry import services
from dfi_casos.registry.curp import CurpInvalida, validate_curp

TRI_STATE = (("", _l("Sin dato")), ("yes", "Sí"), ("no", "No"))
BIRTH_STATES = [*STATE_CHOICES, ("NE", _l("Nació en el extranjero"))]
EARLIEST_DATE = date(1900, 1, 1)


def not_in_future(_form: Any, field: Any) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_("La fecha no puede ser posterior a hoy."))
    if field.data is not None and field.data < EARLIEST_DATE:
        raise ValidationError(_("La fecha no puede ser anterior a 1900."))


def valid_curp(_form: Any, field: Any) -> None:
    if field.data:
        try:
            validate_curp(field.data)
        except CurpInvalida as exc:
            raise ValidationError(str(exc)) from None


def _text(max_length: int, label: str, required: bool = False, area: bool = False, **kw: Any) -> Any:
    # labels are lazy (translated when shown), so the messages built from them are too
    validators: list[Any] = [Length(max=max_length, message=_l("Máximo %(n)s caracteres.", n=max_length))]
    validators.insert(0, DataRequired(_l("Escriba %(label)s.", label=label)) if required else Optional())
    cls = TextAreaField if area else StringField
    return cls(LazyString(_title, label), validators=validators, **kw)


def _title(label: str) -> str:
    text = str(label)
    words = text.split(" ", 1)
    if len(words) > 1 and words[0].lower() in ("el", "la", "los", "las", "the"):
        text = words[1]
    return text[0].upper() + text[1:]


def _lower(label: str) -> str:
    return str(label).lower()


def _select(label: str, pairs: Any, blank: str | None = None, required: bool = False, **kw: Any) -> SelectField:
    validators = [InputRequired(_l("Elija %(label)s.", label=LazyString(_lower, label)))] if required else [Optional()]
    return SelectField(label, choices=select_choices(pairs, blank=blank), validators=validators, **kw)


def _multi(label: str, pairs: Any, **kw: Any) -> MultiCheckboxField:
    return MultiCheckboxField(label, choices=select_choices(pairs), validators=[Optional()], **kw)


def _count(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=1_000_000,
                                                                   message=_l("Un número entre 0 y 1,000,000."))])


class _CorePersonFields:
    """The fields of a person that every registration asks for (also in household member rows)."""

    given_names = _text(100, _l("el nombre o los nombres"), required=True)
    first_surname = _text(100, _l("el primer apellido"), required=True)
    second_surname = _text(100, _l("segundo apellido"))
    curp = StringField("CURP", validators=[Optional(), valid_curp],
                       description=_l("Opcional. 18 caracteres; si no la tiene, déjela vacía."))
    birth_date = DateField(_l("Fecha de nacimiento"), validators=[Optional(), not_in_future])
    birth_date_estimated = BooleanField(_l("La fecha es estimada"))
    estimated_age = IntegerField(_l("Edad estimada (si no se conoce la fecha)"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Una edad entre 0 y 120."))])
    registered_sex = _select(_l("Sexo registrado"), choices(RegisteredSex), required=True, default="unknown",
                             description=_l("Como aparece en el acta, la CURP o la credencial (H, M o X)."))
    phone = StringField(_l("Teléfono"), validators=[Optional(), Length(max=30, message=_l("Máximo 30 caracteres."))])


class _MorePersonFields:
    """The rest of a person's record, asked on the person's own page."""

    aliases = _text(200, _l("otros nombres o alias"))
    gender_identity = _text(100, _l("identidad de género"), description=_l("Opcional, autodeclarada."))
    birth_state_code = _select(_l("Entidad de nacimiento"), BIRTH_STATES, blank=_l("Sin dato"))
    nationality = _text(60, "nacionalidad", default=_l("Mexicana"))
    indigenous = _select(_l("Se reconoce como indígena"), TRI_STATE)
    indigenous_languages = _multi(_l("Lenguas indígenas que habla"), language_choices())
    speaks_spanish = _select(_l("Habla español"), TRI_STATE)
    afro_mexican = _select(_l("Se reconoce como afromexicana(o)"), TRI_STATE)
    disability_seeing = _select(DisabilityDomain.SEEING.lazy_label, choices(DisabilityLevel), blank=_l("Sin dato"))
    disability_hearing = _select(DisabilityDomain.HEARING.lazy_label, choices(DisabilityLevel), blank=_l("Sin dato"))
    disability_mobility = _select(DisabilityDomain.MOBILITY.lazy_label, choices(DisabilityLevel), blank=_l("Sin dato"))
    disability_cognition = _select(DisabilityDomain.COGNITION.lazy_label, choices(DisabilityLevel),
                                   blank=_l("Sin dato"))
    disability_self_care = _select(DisabilityDomain.SELF_CARE.lazy_label, choices(DisabilityLevel),
                                   blank=_l("Sin dato"))
    disability_communication = _select(DisabilityDomain.COMMUNICATION.lazy_label, choices(DisabilityLevel),
                                       blank=_l("Sin dato"))
    address = _text(300, _l("domicilio actual"), area=True)
    safe_contact_channel = _text(200, _l("medio de contacto seguro"),
                                 description=_l("Cómo contactar sin ponerle en riesgo (por ejemplo, a través de "
                                                "quién)."))
    may_contact = BooleanField(_l("Autoriza que se le contacte"))
    documents_held = _multi(_l("Documentos con que cuenta"), choices(DocumentType))
    documents_lost = _multi(_l("Documentos perdidos"), choices(DocumentType))
    protection_risks = _multi(_l("Riesgos de protección"), choices(ProtectionRisk))
    specific_needs = _multi(_l("Necesidades específicas"), choices(SpecificNeed))


class MemberForm(Form, _CorePersonFields):
    """One row of a household: a person and their relationship to the head."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            # a sub-form is a plain wtforms Form: borrow Flask-WTF's Spanish messages
            return translations

    relationship = _select(_l("Parentesco con la jefa o jefe"), choices(RelationshipToHead), required=True,
                           blank=_l("Elija el parentesco"))
    present = BooleanField(_l("Está presente en el hogar"), default=True,
                           description=_l("Desmarque si la persona está separada del hogar."))


class _Territory:
    state_code = _select(_l("Entidad de atención"), STATE_CHOICES, blank=_l("Elija una entidad"), required=True)
    municipality_code = _select(_l("Municipio"), [], blank=_l("Elija un municipio"),
                                description=_l("La lista muestra los municipios de la entidad elegida."))


class HouseholdForm(FlaskForm, _Territory):
    event_id = _select(_l("Evento de desplazamiento"), [], blank=_l("Sin evento vinculado"))
    community_id = _select(_l("Comunidad"), [], blank=_l("Sin comunidad vinculada"))
    notes = _text(2000, _l("notas sobre el hogar"), area=True)
    members = FieldList(FormField(MemberForm), min_entries=1, max_entries=30)
    duplicate_reason = _text(500, _l("motivo para guardar pese a registros similares"), area=True)
    version = HiddenField()


class HouseholdEditForm(FlaskForm, _Territory):
    event_id = _select(_l("Evento de desplazamiento"), [], blank=_l("Sin evento vinculado"))
    community_id = _select(_l("Comunidad"), [], blank=_l("Sin comunidad vinculada"))
    notes = _text(2000, _l("notas sobre el hogar"), area=True)
    version = HiddenField()


class PersonForm(FlaskForm, _Territory, _CorePersonFields, _MorePersonFields):
    duplicate_reason = _text(500, _l("motivo para guardar pese a registros similares"), area=True)
    version = HiddenField()
    #: The rectification (ARCO) request this edit answers, carried from `?arco=<id>`.
    arco = HiddenField()


class NewMemberForm(FlaskForm, _CorePersonFields):
    relationship = _select(_l("Parentesco con la jefa o jefe"), choices(RelationshipToHead), required=True,
                           blank=_l("Elija el parentesco"))
    present = BooleanField(_l("Está presente en el hogar"), default=True)
    duplicate_reason = _text(500, _l("motivo para guardar pese a registros similares"), area=True)


class LeaveForm(FlaskForm):
    person_id = HiddenField(validators=[DataRequired(_l("Falta la persona."))])
    reason = _select(_l("Motivo de la salida"), services.LEAVE_REASONS.items(), blank=_l("Elija un motivo"),
                     required=True)
    left_on = DateField(_l("Fecha de la salida"), validators=[Optional(), not_in_future])


class MembershipForm(FlaskForm):
    person_id = HiddenField(validators=[DataRequired(_l("Falta la persona."))])
    relationship = _select(_l("Parentesco"), choices(RelationshipToHead), required=True)
    present = BooleanField(_l("Presente"))


class MoveForm(FlaskForm):
    household_id = _select(_l("Hogar"), [], blank=_l("Elija un hogar"), required=True)
    relationship = _select(_l("Parentesco con la jefa o jefe"), choices(RelationshipToHead), required=True)


class EventForm(FlaskForm):
    event_type = _select(_l("Tipo de desplazamiento"), choices(EventType), required=True,
                         description=_l("Masivo: 10 o más familias o 50 o más personas desplazadas juntas."))
    started_on = DateField(_l("Fecha (o inicio del periodo)"),
                           validators=[InputRequired(_l("Escriba la fecha.")), not_in_future])
    ended_on = DateField(_l("Fin del periodo"), validators=[Optional(), not_in_future])
    origin_state_code = _select(_l("Entidad de origen"), STATE_CHOICES, blank=_l("Elija una entidad"), required=True)
    origin_municipality_code = _select(_l("Municipio de origen"), [], blank=_l("Elija un municipio"))
    origin_locality = _text(200, _l("localidad de origen"))
    causes = _multi(_l("Causas"), choices(DisplacementCause))
    cause_other = _text(200, _l("otra causa (especifique)"))
    estimated_households = _count(_l("Familias desplazadas (estimado)"))
    estimated_persons = _count(_l("Personas desplazadas (estimado)"))
    narrative = _text(20000, _l("relato de los hechos"), area=True)
    destination_state_code = _select(_l("Entidad de destino"), STATE_CHOICES, blank=_l("Sin dato"))
    destination_municipality_code = _select(_l("Municipio de destino"), [], blank=_l("Sin dato"))
    state_code = _select(_l("Entidad de atención"), STATE_CHOICES, blank=_l("Elija una entidad"), required=True)
    version = HiddenField()


class CommunityForm(FlaskForm, _Territory):
    name = _text(200, _l("el nombre de la comunidad"), required=True)
    kind = _select(_l("Tipo"), services.COMMUNITY_KINDS.items(), required=True)
    locality = _text(200, "localidad")
    at_risk = BooleanField(_l("En riesgo de desplazamiento"))
    indigenous = BooleanField(_l("Comunidad indígena"))
    estimated_households = _count(_l("Familias (estimado)"))
    estimated_persons = _count(_l("Personas (estimado)"))
    notes = _text(5000, _l("situación y medidas colectivas"), area=True)
    event_ids = _multi(_l("Eventos de desplazamiento vinculados"), [])
    version = HiddenField()


class ConsentForm(FlaskForm):
    scope = _select(_l("Alcance"), choices(ConsentScope), required=True)
    institution_id = _select(_l("Institución (para compartir datos)"), [], blank=_l("Ninguna"))
    method = _select(_l("Forma"), choices(ConsentMethod), required=True)
    witness_name = _text(200, _l("nombre del testigo (consentimiento verbal)"))
    taken_on = DateField(_l("Fecha"), validators=[InputRequired(_l("Escriba la fecha.")), not_in_future])


class WithdrawConsentForm(FlaskForm):
    consent_id = HiddenField(validators=[DataRequired(_l("Falta el consentimiento."))])
    withdrawn_on = DateField(_l("Fecha de retiro"), validators=[Optional(), not_in_future])


class ListFilterForm(FlaskForm):
    """GET filters over non-sensitive fields; no CSRF: they change nothing."""

    class Meta:
        csrf = False

    estado = _select(_l("Entidad"), STATE_CHOICES, blank=_l("Todas"))
    municipio = _select(_l("Municipio"), [], blank=_l("Todos"))
    causa = _select(_l("Causa"), choices(DisplacementCause), blank=_l("Todas"))
    tipo = _select(_l("Tipo de evento"), choices(EventType), blank=_l("Todos"))
    desde = DateField(_l("Desde"), validators=[Optional()])
    hasta = DateField(_l("Hasta"), validators=[Optional()])


# --- choices that depend on the request ------------------------------------------------------

def set_municipality_choices(field: SelectField, catalog: MunicipalityCatalog, state_code: str | None,
                             blank: str) -> None:
    """Only the chosen state's municipalities: a municipality of another state is not a valid choice."""
    field.choices = select_choices(catalog.choices(state_code or ""), blank=blank)


def set_record_choices(field: SelectField | SelectMultipleField, records: list[Any], label: Any,
                       blank: str | None = None) -> None:
    field.choices = select_choices(((str(r.id), label(r)) for r in records), blank=blank)


# --- form → service data ---------------------------------------------------------------------

def _tri(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def person_data(form: Any) -> services.PersonData:
    """A PersonData from a PersonForm, a MemberForm or a NewMemberForm."""
    data = services.PersonData(
        given_names=form.given_names.data or "",
        first_surname=form.first_surname.data or "",
        second_surname=form.second_surname.data,
        curp=form.curp.data,
        birth_date=form.birth_date.data,
        birth_date_estimated=bool(form.birth_date_estimated.data),
        estimated_age=form.estimated_age.data,
        registered_sex=RegisteredSex(form.registered_sex.data or "unknown"),
        phone=form.phone.data,
    )
    if hasattr(form, "aliases"):
        data.aliases = form.aliases.data
        data.gender_identity = form.gender_identity.data
        data.birth_state_code = form.birth_state_code.data or None
        data.nationality = form.nationality.data or None
        data.indigenous = _tri(form.indigenous.data)
        data.indigenous_languages = list(form.indigenous_languages.data or [])
        data.speaks_spanish = _tri(form.speaks_spanish.data)
        data.afro_mexican = _tri(form.afro_mexican.data)
        data.disability = {d.value: level for d in DisabilityDomain
                           if (level := getattr(form, f"disability_{d.value}").data)}
        data.address = form.address.data
        data.municipality_code = form.municipality_code.data or None
        data.safe_contact_channel = form.safe_contact_channel.data
        data.may_contact = bool(form.may_contact.data)
        data.documents_held = list(form.documents_held.data or [])
        data.documents_lost = list(form.documents_lost.data or [])
        data.protection_risks = list(form.protection_risks.data or [])
        data.specific_needs = list(form.specific_needs.data or [])
    return data


def fill_person_form(form: PersonForm, person: Any) -> None:
    """Put a person's current values in the edit form (decrypts: only on the edit page)."""
    for name in ("given_names", "first_surname", "second_surname", "curp", "birth_date", "estimated_age",
                 "phone", "aliases", "gender_identity", "nationality", "address", "safe_contact_channel"):
        getattr(form, name).data = getattr(person, name)
    form.birth_date_estimated.data = person.birth_date_estimated
    form.registered_sex.data = person.registered_sex.value
    form.birth_state_code.data = person.birth_state_code or ""
    for name in ("indigenous", "speaks_spanish", "afro_mexican"):
        value = getattr(person, name)
        getattr(form, name).data = "" if value is None else ("yes" if value else "no")
    form.indigenous_languages.data = list(person.indigenous_languages or [])
    for domain in DisabilityDomain:
        getattr(form, f"disability_{domain.value}").data = (person.disability or {}).get(domain.value, "")
    form.municipality_code.data = person.municipality_code or ""
    form.state_code.data = person.state_code
    form.may_contact.data = person.may_contact
    for name in ("documents_held", "documents_lost", "specific_needs"):
        getattr(form, name).data = list(getattr(person, name) or [])
    form.protection_risks.data = list(person.protection_risks or [])
    form.version.data = str(person.version)


def household_data(form: HouseholdForm | HouseholdEditForm) -> services.HouseholdData:
    members = []
    if isinstance(form, HouseholdForm):
        members = [services.MemberData(person=person_data(entry.form),
                                       relationship=RelationshipToHead(entry.form.relationship.data),
                                       present=bool(entry.form.present.data)) for entry in form.members]
    return services.HouseholdData(
        state_code=form.state_code.data or "", municipality_code=form.municipality_code.data or None,
        members=members, event_id=_uuid(form.event_id.data), community_id=_uuid(form.community_id.data),
        notes=form.notes.data)


def event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        event_type=EventType(form.event_type.data), started_on=form.started_on.data,
        origin_state_code=form.origin_state_code.data or "", state_code=form.state_code.data or "",
        causes=[DisplacementCause(c) for c in form.causes.data or []], ended_on=form.ended_on.data,
        origin_municipality_code=form.origin_municipality_code.data or None,
        origin_locality=(form.origin_locality.data or "").strip() or None,
        cause_other=(form.cause_other.data or "").strip() or None,
        estimated_households=form.estimated_households.data, estimated_persons=form.estimated_persons.data,
        narrative=form.narrative.data, destination_state_code=form.destination_state_code.data or None,
        destination_municipality_code=form.destination_municipality_code.data or None)


def fill_event_form(form: EventForm, event: Any) -> None:
    for name in ("started_on", "ended_on", "origin_locality", "cause_other", "estimated_households",
                 "estimated_persons", "narrative"):
        getattr(form, name).data = getattr(event, name)
    for name in ("origin_state_code", "origin_municipality_code", "destination_state_code",
                 "destination_municipality_code", "state_code"):
        getattr(form, name).data = getattr(event, name) or ""
    form.event_type.data = event.event_type.value
    form.causes.data = [c.value for c in event.causes]
    form.version.data = str(event.version)


def community_data(form: CommunityForm) -> services.CommunityData:
    return services.CommunityData(
        name=form.name.data or "", kind=form.kind.data or "", state_code=form.state_code.data or "",
        municipality_code=form.municipality_code.data or None, locality=(form.locality.data or "").strip() or None,
        at_risk=bool(form.at_risk.data), indigenous=bool(form.indigenous.data),
        estimated_households=form.estimated_households.data, estimated_persons=form.estimated_persons.data,
        notes=form.notes.data, event_ids=[u for v in form.event_ids.data or [] if (u := _uuid(v))])


def fill_community_form(form: CommunityForm, community: Any) -> None:
    for name in ("name", "kind", "locality", "at_risk", "indigenous", "estimated_households",
                 "estimated_persons", "notes", "state_code"):
        getattr(form, name).data = getattr(community, name)
    form.municipality_code.data = community.municipality_code or ""
    form.event_ids.data = [str(e.id) for e in community.events]
    form.version.data = str(community.version)


def consent_data(form: ConsentForm) -> services.ConsentData:
    institution = form.institution_id.data
    return services.ConsentData(scope=ConsentScope(form.scope.data), method=ConsentMethod(form.method.data),
                                taken_on=form.taken_on.data,
                                institution_id=int(institution) if institution and institution.isdigit() else None,
                                witness_name=form.witness_name.data)


def list_filters(form: ListFilterForm) -> services.Filters:
    """Filters from the GET form; an invalid filter is simply not applied."""
    def ok(field: Any) -> Any:
        return field.data if field.data and not field.errors else None

    cause, kind = ok(form.causa), ok(form.tipo)
    return services.Filters(state_code=ok(form.estado), municipality_code=ok(form.municipio),
                            cause=DisplacementCause(cause) if cause else None, date_from=ok(form.desde),
                            date_to=ok(form.hasta), event_type=EventType(kind) if kind else None)
