"""Account forms for administrators."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from dfi_casos.formutil import MultiCheckboxField, select_choices
from dfi_casos.security.access import ROLE_LABELS, Role


class UserForm(FlaskForm):
    username = StringField(
        "Usuario",
        validators=[
            DataRequired("Escriba el nombre de usuario."),
            Length(min=3, max=64, message="Entre 3 y 64 caracteres."),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Solo letras sin acentos, números, punto, guion y guion bajo."),
        ],
    )
    full_name = StringField("Nombre completo", validators=[DataRequired("Escriba el nombre completo."),
                                                           Length(max=200, message="Máximo 200 caracteres.")])
    email = StringField("Correo electrónico", validators=[DataRequired("Escriba el correo electrónico."),
                                                          Email("El correo electrónico no es válido."),
                                                          Length(max=254)])
    role = SelectField("Rol", choices=select_choices((role.value, label) for role, label in ROLE_LABELS.items()),
                       validators=[DataRequired("Elija un rol.")])
    is_national = BooleanField("Alcance nacional (todas las entidades)")
    states = MultiCheckboxField("Entidades", validators=[Optional()],
                                 description="Las entidades federativas en las que trabaja.")
    active = BooleanField("Cuenta activa", default=True)
    password = PasswordField("Contraseña", validators=[Optional(), Length(max=128, message="Máximo 128 caracteres.")],
                             description="Al menos 12 caracteres, sin reglas de composición. "
                                         "Déjela vacía al editar para conservar la actual.")
    version = HiddenField()

    def role_value(self) -> Role:
        return Role(self.role.data)
