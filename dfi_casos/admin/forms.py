"""Account forms for administrators."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from dfi_casos.formutil import MultiCheckboxField, select_choices
from dfi_casos.security.access import ROLE_LABELS, Role


class UserForm(FlaskForm):
    username = StringField(
        _l("Usuario"),
        validators=[
            DataRequired(_l("Escriba el nombre de usuario.")),
            Length(min=3, max=64, message=_l("Entre 3 y 64 caracteres.")),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Solo letras sin acentos, números, punto, guion y guion bajo.")),
        ],
    )
    full_name = StringField(_l("Nombre completo"), validators=[DataRequired(_l("Escriba el nombre completo.")),
                                                           Length(max=200, message=_l("Máximo 200 caracteres."))])
    email = StringField(_l("Correo electrónico"), validators=[DataRequired(_l("Escriba el correo electrónico.")),
                                                          Email(_l("El correo electrónico no es válido.")),
                                                          Length(max=254)])
    role = SelectField(_l("Rol"), choices=select_choices((role.value, label) for role, label in ROLE_LABELS.items()),
                       validators=[DataRequired(_l("Elija un rol."))])
    is_national = BooleanField(_l("Alcance nacional (todas las entidades)"))
    states = MultiCheckboxField(_l("Entidades"), validators=[Optional()],
                                 description=_l("Las entidades federativas en las que trabaja."))
    active = BooleanField(_l("Cuenta activa"), default=True)
    password = PasswordField(_l("Contraseña"),
                             validators=[Optional(), Length(max=128, message=_l("Máximo 128 caracteres."))],
                             description=_l("Al menos 12 caracteres, sin reglas de composición. "
                                         "Déjela vacía al editar para conservar la actual."))
    version = HiddenField()

    def role_value(self) -> Role:
        return Role(self.role.data)
