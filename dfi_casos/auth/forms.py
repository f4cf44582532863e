"""Login form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Usuario"), validators=[DataRequired(_l("Escriba su usuario.")), Length(max=64)])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired(_l("Escriba su contraseña.")), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Contraseña actual"),
                                     validators=[DataRequired(_l("Escriba su contraseña actual."))])
    new_password = PasswordField(
        _l("Contraseña nueva"),
        validators=[DataRequired(_l("Escriba la contraseña nueva.")), Length(max=128)],
        description=_l("Al menos 12 caracteres. Una frase fácil de recordar es una buena opción."),
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Código de verificación"),
        validators=[DataRequired(_l("Escriba el código de su aplicación.")), Length(max=32)],
        description=_l("Los 6 dígitos que muestra su aplicación de autenticación, o un código de recuperación."),
    )
