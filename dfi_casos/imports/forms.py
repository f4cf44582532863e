"""Import forms: the upload, and the confirmation with the importer's choices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from dfi_casos.cases.workflow import OPENING_STAGES
from dfi_casos.formutil import select_choices


class UploadForm(FlaskForm):
    file = FileField(_l("Archivo (.xlsx, .csv o .zip de ODK Central)"),
                     validators=[FileRequired(_l("Elija el archivo que quiere importar."))],
                     description=_l("La exportación del formulario en KoboToolbox (XLSX, con valores y encabezados "
                                 "XML) u ODK Central (.zip de CSV), o la plantilla de este sistema."))


class ConfirmForm(FlaskForm):
    stage = SelectField(_l("Etapa en que se abre el caso de cada hogar"),
                        choices=select_choices((s.value, s.lazy_label) for s in OPENING_STAGES), default="assistance")
    event_id = SelectField(_l("Evento de desplazamiento"), validators=[Optional()],
                           description=_l("Por omisión se crean los eventos que describe el archivo."))
    include_duplicates = BooleanField(_l("Importar también los hogares con posibles duplicados en el registro"))
    duplicate_reason = TextAreaField(_l("Motivo para registrar pese a los posibles duplicados"),
                                     validators=[Optional(), Length(max=500)])
