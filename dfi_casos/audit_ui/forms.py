"""The filter form of the auditor screens (GET parameters: ids and dates, never personal data)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from dfi_casos.formutil import select_choices
from dfi_casos.security.audit import ACTION_LABELS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField("Usuario (id o nombre de usuario)", validators=[Optional(), Length(max=64)])
    record = StringField("Registro (id o folio)", validators=[Optional(), Length(max=64)])
    action = SelectField("Acción", validators=[Optional()],
                         choices=select_choices(sorted(ACTION_LABELS.items(), key=lambda item: item[1]),
                                                blank="Todas"))
    since = DateField("Desde", validators=[Optional()])
    until = DateField("Hasta (inclusive)", validators=[Optional()])
