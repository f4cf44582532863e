"""The form administrators use to add or edit an institution of the catalog."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.formutil import select_choices


class InstitutionForm(FlaskForm):
    """An institution of the catalog; its code never changes once saved."""

    code = StringField(_l("Clave"), validators=[
        DataRequired(_l("Escriba la clave.")), Length(max=60, message=_l("Máximo 60 caracteres."))],
        description=_l("Minúsculas, números y guion bajo; no se reutiliza para otra institución."))
    name = StringField(_l("Nombre"), validators=[DataRequired(_l("Escriba el nombre.")),
                                             Length(max=200, message=_l("Máximo 200 caracteres."))])
    state_code = SelectField(_l("Entidad"), choices=select_choices(STATE_CHOICES,
                                                                   blank=_l("Nacional (todas las entidades)")),
                             validators=[Optional()],
                             description=_l("Para dependencias estatales o municipales, la entidad a la que "
                                            "pertenecen."))
    active = BooleanField(_l("Activa"), default=True)
    version = HiddenField()

    def validate_code(self, field: Any) -> None:
        if field.data and not re.fullmatch(r"[a-z0-9_]+", field.data):
            raise ValidationError(_("Solo minúsculas sin acentos, números y guion bajo."))
