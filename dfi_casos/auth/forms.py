"""Login form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Usuario", validators=[DataRequired("Escriba su usuario."), Length(max=64)])
    password = PasswordField("Contraseña", validators=[DataRequired("Escriba su contraseña."), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Contraseña actual", validators=[DataRequired("Escriba su contraseña actual.")])
    new_password = PasswordField(
        "Contraseña nueva",
        validators=[DataRequired("Escriba la contraseña nueva."), Length(max=128)],
        description="Al menos 12 caracteres. Una frase fácil de recordar es una buena opción.",
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Código de verificación",
        validators=[DataRequired("Escriba el código de su aplicación."), Length(max=32)],
        description="Los 6 dígitos que muestra su aplicación de autenticación, o un código de recuperación.",
    )
