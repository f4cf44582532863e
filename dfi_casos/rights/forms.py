"""Forms of the rights feature: registering a request, each step of it, and the calendar's periods."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from dfi_casos.catalogs.enums import ArcoRight, ObjectionUse, choices
from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.formutil import select_choices
from dfi_casos.rights.models import ArcoChannel, IdentityDocument


class RequestForm(FlaskForm):
    """A new ARCO request, as received by the transparency unit."""

    right = SelectField(_l("Derecho que se ejerce"), choices=select_choices(choices(ArcoRight), blank=_l("Elija…")),
                        validators=[DataRequired(_l("Elija el derecho."))])
    channel = SelectField(_l("Medio de recepción"), choices=select_choices(choices(ArcoChannel), blank=_l("Elija…")),
                          validators=[DataRequired(_l("Elija el medio."))])
    received_on = DateField(_l("Fecha de recepción"), validators=[InputRequired(_l("Escriba la fecha de recepción."))],
                            description=_l("El plazo se cuenta en días hábiles a partir del día hábil siguiente."))
    curp = StringField(_l("CURP de la persona registrada"), validators=[Optional(), Length(max=18)],
                       description=_l("Si la persona está en el registro. Se busca solo en su territorio."))
    person_id = HiddenField()
    requester_name = StringField(_l("Nombre de quien solicita"), validators=[Optional(), Length(max=200)],
                                 description=_l("Obligatorio si la persona aún no se identifica en el registro."))
    state_code = SelectField(_l("Entidad (si la persona no está identificada)"),
                             choices=select_choices(STATE_CHOICES, blank="—"), validators=[Optional()])
    representative = StringField(_l("Representante legal (nombre y documento que lo acredita)"),
                                 validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Qué se solicita"), validators=[DataRequired(_l("Describa lo que se solicita.")),
                                                                Length(max=5000)])
    identity_verified = BooleanField(_l("Se acreditó la identidad de la persona titular (o de su representante)"))
    identity_document = SelectField(_l("Documento con que se acreditó"),
                                    choices=select_choices(choices(IdentityDocument), blank="—"),
                                    validators=[Optional()])


class StepForm(FlaskForm):
    """One step of a request: its text (answer or reason), whether it was granted, the identity document."""

    step = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    text = TextAreaField(_l("Texto"), validators=[Optional(), Length(max=5000)])
    granted = BooleanField(_l("Procedente: se concede lo solicitado"), default=True)
    identity_document = SelectField(_l("Documento con que se acreditó"),
                                    choices=select_choices(choices(IdentityDocument), blank="—"),
                                    validators=[Optional()])


class PeriodForm(FlaskForm):
    """A vacation or suspension period published by the institution."""

    name = StringField(_l("Nombre del periodo"), validators=[DataRequired(_l("Escriba el nombre.")), Length(max=200)],
                       description=_l("Por ejemplo: «Primer periodo vacacional 2027» o «Semana Santa 2027»."))
    starts_on = DateField(_l("Primer día inhábil"), validators=[InputRequired(_l("Escriba la fecha de inicio."))])
    ends_on = DateField(_l("Último día inhábil"), validators=[InputRequired(_l("Escriba la fecha de término."))])
    source = StringField(_l("Publicación (DOF, acuerdo)"), validators=[Optional(), Length(max=200)])


class RemovePeriodForm(FlaskForm):
    """Confirms the removal of a period (CSRF only)."""


class ReasonForm(FlaskForm):
    """A reason (blocking, lifting a blocking, deletion)."""

    reason = TextAreaField(_l("Fundamento o motivo"), validators=[DataRequired(_l("Escriba el motivo.")),
                                                                  Length(max=2000)])


class ObjectionForm(FlaskForm):
    """A use the person objects to (oposición); the institution for referrals."""

    use = SelectField(_l("Uso al que se opone"), choices=select_choices(choices(ObjectionUse), blank=_l("Elija…")),
                      validators=[DataRequired(_l("Elija el uso."))])
    institution_id = SelectField(_l("Institución (para canalizaciones)"), choices=[], validators=[Optional()])
