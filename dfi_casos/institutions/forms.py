"""The form administrators use to add or edit an institution of the catalog."""
from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dfi_casos.catalogs.geography import STATE_CHOICES
from dfi_casos.formutil import select_choices


class InstitutionForm(FlaskForm):
    """An institution of the catalog; its code never changes once saved."""

    code = StringField("Clave", validators=[
        DataRequired("Escriba la clave."), Length(max=60, message="Máximo 60 caracteres.")],
        description="Minúsculas, números y guion bajo; no se reutiliza para otra institución.")
    name = StringField("Nombre", validators=[DataRequired("Escriba el nombre."),
                                             Length(max=200, message="Máximo 200 caracteres.")])
    state_code = SelectField("Entidad", choices=select_choices(STATE_CHOICES, blank="Nacional (todas las entidades)"),
                             validators=[Optional()],
                             description="Para dependencias estatales o municipales, la entidad a la que pertenecen.")
    active = BooleanField("Activa", default=True)
    version = HiddenField()

    def validate_code(self, field: Any) -> None:
        if field.data and not re.fullmatch(r"[a-z0-9_]+", field.data):
            raise ValidationError("Solo minúsculas sin acentos, números y guion bajo.")
