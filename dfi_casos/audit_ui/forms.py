"""The filter form of the auditor screens (GET parameters: ids and dates, never personal data)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from dfi_casos.formutil import select_choices
from dfi_casos.security.audit import ACTION_LABELS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(_l("Usuario (id o nombre de usuario)"), validators=[Optional(), Length(max=64)])
    record = StringField(_l("Registro (id o folio)"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("Acción"), validators=[Optional()],
                         choices=lambda: select_choices(  # sorted in the reader's language, per request
                             sorted(((a, str(label)) for a, label in ACTION_LABELS.items()), key=lambda item: item[1]),
                             blank=str(_l("Todas"))))
    since = DateField(_l("Desde"), validators=[Optional()])
    until = DateField(_l("Hasta (inclusive)"), validators=[Optional()])
