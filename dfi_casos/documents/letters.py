"""Referral letters (oficios): templates per kind of institution, numbering, and the PDF attached to the referral.

A letter carries only what the person's consent to share with that institution allows, and of that
only what the receiving institution needs: name, CURP when recorded, the need and the deadline.
No address, phone, testimony or protection risks ever reach a letter. Templates are plain text with
placeholders; every value is escaped when laid out, and an unknown placeholder is refused when the
template is saved, so a typo never prints as «{persona}» on an official letter.
"""
from __future__ import annotations

import enum
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfi_casos.cases.models import Case, Referral
from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today, utcnow
from dfi_casos.documents.content import DocumentError
from dfi_casos.documents.models import Attachment, LetterCounter, LetterTemplate, RecordType
from dfi_casos.documents.services import attach, owner_of
from dfi_casos.institutions.models import Institution
from dfi_casos.pdf import html_to_pdf
from dfi_casos.registry.consent import has_consent_to_share
from dfi_casos.registry.models import Person
from dfi_casos.security import audit
from dfi_casos.security.access import Principal
from dfi_casos.security.audit import Action

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


class InstitutionKind(enum.StrEnum):
    """Kinds of receiving institution; each has its own letter template."""

    FEDERAL = "federal"
    STATE = "estatal"
    MUNICIPAL = "municipal"
    AUTONOMOUS = "autonomo"
    INTERNATIONAL = "internacional"
    CIVIL_SOCIETY = "sociedad_civil"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    InstitutionKind.FEDERAL: "Dependencias federales", InstitutionKind.STATE: "Gobierno estatal",
    InstitutionKind.MUNICIPAL: "Gobierno municipal",
    InstitutionKind.AUTONOMOUS: "Organismos autónomos (derechos humanos, INE, fiscalías)",
    InstitutionKind.INTERNATIONAL: "Organismos internacionales", InstitutionKind.CIVIL_SOCIETY: "Sociedad civil",
}

#: The seed catalog's institutions by kind; others follow their territory (a state's body, or federal).
KIND_BY_CODE: dict[str, InstitutionKind] = {
    "state_victims_commission": InstitutionKind.STATE, "state_dif": InstitutionKind.STATE,
    "municipal_dif": InstitutionKind.MUNICIPAL, "municipal_government": InstitutionKind.MUNICIPAL,
    "cndh": InstitutionKind.AUTONOMOUS, "state_human_rights_commission": InstitutionKind.AUTONOMOUS,
    "ine": InstitutionKind.AUTONOMOUS, "fgr": InstitutionKind.AUTONOMOUS,
    "state_prosecutor": InstitutionKind.AUTONOMOUS,
    "acnur": InstitutionKind.INTERNATIONAL, "oim": InstitutionKind.INTERNATIONAL,
    "cicr": InstitutionKind.INTERNATIONAL,
    "civil_society": InstitutionKind.CIVIL_SOCIETY,
}

#: What a template may say, and what each placeholder means (shown on the edit screen).
PLACEHOLDERS: dict[str, str] = {
    "oficio": "número de oficio", "folio": "folio del caso (expediente)", "fecha": "fecha en letra",
    "lugar": "lugar de expedición", "institucion": "institución que recibe", "persona": "nombre de la persona",
    "curp": "CURP, si está registrada", "necesidad": "necesidad que se canaliza", "plazo": "fecha límite de respuesta",
    "firmante": "nombre de quien firma", "cargo": "cargo de quien firma", "entidad": "entidad de atención",
}

DEFAULT_SUBJECT = "Canalización de persona en situación de desplazamiento forzado interno"
DEFAULT_BODY = (
    "Por este medio, y con el consentimiento informado de la persona interesada para compartir sus datos con "
    "esa institución, me permito canalizar a {persona} (CURP: {curp}), cuyo caso se atiende con el expediente "
    "{folio} en {entidad}, para su atención en materia de {necesidad}.\n\n"
    "Mucho agradeceré informar a esta unidad sobre la atención brindada a más tardar el {plazo}, haciendo "
    "referencia al número de oficio {oficio}.\n\n"
    "Los datos personales que se comparten son confidenciales y se proporcionan únicamente para el fin señalado, "
    "conforme a la legislación en materia de protección de datos personales en posesión de sujetos obligados."
)


def kind_of(institution: Institution) -> InstitutionKind:
    """The kind of an institution of the catalog (its code for the seed list, else its territory)."""
    found = KIND_BY_CODE.get(institution.code)
    if found is not None:
        return found
    return InstitutionKind.STATE if institution.state_code else InstitutionKind.FEDERAL


def check_placeholders(text: str) -> None:
    """Refuse a template with an unknown or malformed placeholder (DocumentError naming it)."""
    try:
        fields = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise DocumentError("Una llave «{» o «}» no está cerrada; escriba los marcadores como {persona}.",
                            field="body") from None
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise DocumentError(f"Marcadores desconocidos: {', '.join('{' + u + '}' for u in unknown)}. "
                            f"Use solo: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}.", field="body")


def template_for(session: Session, kind: InstitutionKind) -> LetterTemplate:
    """The kind's template, or an unsaved one with the default text."""
    found = session.scalars(select(LetterTemplate).where(LetterTemplate.institution_kind == kind.value)).first()
    return found or LetterTemplate(institution_kind=kind.value, subject=DEFAULT_SUBJECT, body=DEFAULT_BODY, copies="")


def save_template(session: Session, actor: Principal, kind: InstitutionKind, subject: str, body: str,
                  copies: str) -> LetterTemplate:
    """Save a kind's template after checking its placeholders; audited (fields named, not contents)."""
    for text, name in ((subject, "subject"), (body, "body"), (copies, "copies")):
        try:
            check_placeholders(text)
        except DocumentError as exc:
            raise DocumentError(exc.message, field=name) from None
    if not body.strip() or not subject.strip():
        raise DocumentError("El asunto y el cuerpo del oficio no pueden quedar vacíos.", field="body")
    template = template_for(session, kind)
    template.subject, template.body, template.copies = subject.strip(), body.strip(), copies.strip()
    template.updated_at, template.updated_by_id = utcnow(), actor.id
    session.add(template)
    session.flush()
    audit.record_change(session, actor, Action.UPDATE, "letter_template", kind.value,
                        fields=["subject", "body", "copies"])
    return template


# --- numbering -------------------------------------------------------------------------------------------

def next_letter_number(session: Session, state_code: str, year: int) -> str:
    """The next oficio number of a state and year (DEPCMH/DFI/GR/2026/000001), under a row lock."""
    stmt = (select(LetterCounter).where(LetterCounter.state_code == state_code, LetterCounter.year == year)
            .with_for_update())
    counter = session.scalars(stmt).first()
    if counter is None:
        # The state's first letter this year: two writers may race to insert; the loser locks the winner's row.
        try:
            with session.begin_nested():
                session.add(LetterCounter(state_code=state_code, year=year, last_value=0))
        except IntegrityError:
            pass
        counter = session.scalars(stmt.execution_options(populate_existing=True)).one()
    counter.last_value += 1
    session.flush()
    state = state_by_code(state_code)
    abbreviation = state.abbreviation if state else state_code
    return f"{current_app.config['LETTER_NUMBER_PREFIX']}/{abbreviation}/{year}/{counter.last_value:06d}"


# --- the letter --------------------------------------------------------------------------------------------

def long_date(day: date) -> str:
    """«27 de noviembre de 2026»."""
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"


@dataclass
class Letter:
    """A laid-out oficio: header facts and the body's paragraphs, every value already substituted."""

    number: str
    folio: str
    subject: str
    place_and_date: str
    institution: str
    paragraphs: list[str]
    signer: str
    signer_post: str
    copies: list[str]
    initials: str
    letterhead: list[str]
    legend: str


def _values(case: Case, referral: Referral, person: Person, institution: Institution, number: str, today: date,
            signer: str, signer_post: str, place: str) -> dict[str, str]:
    state = state_by_code(case.state_code)
    return {"oficio": number, "folio": case.folio, "fecha": long_date(today), "lugar": place,
            "institucion": institution.name, "persona": person.full_name(), "curp": person.curp or "no registrada",
            "necesidad": _mid_sentence(referral.need.label), "plazo": long_date(referral.due_on), "firmante": signer,
            "cargo": signer_post, "entidad": state.name if state else case.state_code}


def _mid_sentence(label: str) -> str:
    """A catalog label inside a sentence: first letter lower-cased, acronyms kept («reposición de acta, CURP, INE»)."""
    return label[:1].lower() + label[1:]


def _initials(name: str) -> str:
    """The drafter's initials (the «iniciales» line), from the name before any parenthesis."""
    return "".join(word[0] for word in name.split("(")[0].split() if word[:1].isalpha()).lower()


def compose(session: Session, actor: Any, case: Case, referral: Referral, *, signer: str, signer_post: str,
            number: str | None = None, today: date | None = None) -> Letter:
    """The letter for a referral already loaded through scope; refused without a consent to share in force."""
    person = session.get(Person, referral.person_id)
    institution = session.get(Institution, referral.institution_id)
    if person is None or institution is None:
        raise DocumentError("La canalización no tiene persona o institución registradas.")
    if not has_consent_to_share(session, person, institution.id):
        raise DocumentError("La persona no tiene un consentimiento vigente para compartir sus datos con esta "
                            "institución (o lo retiró): no se puede generar el oficio.")
    today = today or local_today()
    config = current_app.config
    template = template_for(session, kind_of(institution))
    place = str(config["LETTER_PLACE"])
    values = _values(case, referral, person, institution, number or "(por asignar)", today, signer, signer_post,
                     place)
    body = template.body.format_map(values)
    return Letter(
        number=values["oficio"], folio=case.folio, subject=template.subject.format_map(values),
        place_and_date=f"{place}, a {long_date(today)}", institution=institution.name,
        paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()], signer=signer, signer_post=signer_post,
        copies=[c.strip() for c in template.copies.format_map(values).splitlines() if c.strip()],
        initials=_initials(actor.full_name), letterhead=list(config["LETTER_LETTERHEAD"]),
        legend=str(dict(config["LETTER_YEAR_LEGENDS"]).get(str(today.year), "")))


def generate(session: Session, actor: Any, case: Case, referral: Referral, *, signer: str,
             signer_post: str) -> Attachment:
    """Number, lay out and attach the oficio PDF to the referral; audited (the attachment's creation and the letter)."""
    signer, signer_post = signer.strip(), signer_post.strip()
    if not signer or not signer_post:
        raise DocumentError("Escriba el nombre y el cargo de quien firma.", field="signer")
    compose(session, actor, case, referral, signer=signer, signer_post=signer_post)  # refuse before numbering
    number = next_letter_number(session, case.state_code, local_today().year)
    with force_locale("es_MX"):  # an official document: Spanish whatever the language of the sender's screens
        letter = compose(session, actor, case, referral, signer=signer, signer_post=signer_post, number=number)
        pdf = html_to_pdf(render_template("documents/letter.html", letter=letter))
    name = f"oficio-{number.replace('/', '-')}.pdf"
    attachment = attach(session, actor, owner_of(RecordType.REFERRAL, referral, case=case), name, pdf.content,
                        generated_from="oficio")
    audit.record_change(session, actor, Action.REFERRAL, "referral", referral.id, fields=["letter"],
                        state_code=case.state_code, folio=case.folio, letter_number=number,
                        attachment_id=str(attachment.id))
    return attachment
