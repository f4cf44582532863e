"""Document forms: upload (and replace), and delete with a reason."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class UploadForm(FlaskForm):
    file = FileField("Archivo", validators=[FileRequired("Elija el archivo que quiere adjuntar.")],
                     description="PDF, JPEG, PNG o HEIC (fotos de teléfono). A las fotos se les quitan los datos "
                                 "ocultos (ubicación GPS, cámara, fecha).")


class DeleteForm(FlaskForm):
    reason = TextAreaField("Motivo de la eliminación", validators=[
        DataRequired("Escriba el motivo de la eliminación."), Length(min=5, max=500,
                                                                     message="Entre 5 y 500 caracteres.")])
