"""Document forms: upload (and replace), and delete with a reason."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class UploadForm(FlaskForm):
    file = FileField(_l("Archivo"), validators=[FileRequired(_l("Elija el archivo que quiere adjuntar."))],
                     description=_l("PDF, JPEG, PNG o HEIC (fotos de teléfono), Word, Excel u OpenDocument sin "
                                    "macros. A las fotos se les quitan los datos ocultos (ubicación GPS, cámara, "
                                    "fecha)."))


class DeleteForm(FlaskForm):
    reason = TextAreaField(_l("Motivo de la eliminación"), validators=[
        DataRequired(_l("Escriba el motivo de la eliminación.")), Length(min=5, max=500,
                                                                     message=_l("Entre 5 y 500 caracteres."))])
