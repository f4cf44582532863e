"""Referral letter forms: a kind's template (administrators), and who signs a letter being generated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class TemplateForm(FlaskForm):
    subject = StringField(_l("Asunto"), validators=[DataRequired(_l("Escriba el asunto.")), Length(max=200)])
    body = TextAreaField(_l("Cuerpo del oficio"), validators=[DataRequired(_l("Escriba el cuerpo del oficio.")),
                                                          Length(max=8000)],
                         render_kw={"rows": 14},
                         description=_l("Separe los párrafos con una línea en blanco. Use los marcadores de la lista."))
    copies = TextAreaField(_l("Con copia para (c.c.p.)"), validators=[Length(max=2000)],
                           description=_l("Una persona o área por línea."))
    version = HiddenField()


class LetterForm(FlaskForm):
    signer = StringField(_l("Nombre de quien firma"),
                         validators=[DataRequired(_l("Escriba quién firma.")), Length(max=120)])
    signer_post = StringField(_l("Cargo de quien firma"), validators=[DataRequired(_l("Escriba el cargo.")),
                                                                  Length(max=160)])
