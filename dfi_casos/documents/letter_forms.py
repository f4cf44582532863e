"""Referral letter forms: a kind's template (administrators), and who signs a letter being generated."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class TemplateForm(FlaskForm):
    subject = StringField("Asunto", validators=[DataRequired("Escriba el asunto."), Length(max=200)])
    body = TextAreaField("Cuerpo del oficio", validators=[DataRequired("Escriba el cuerpo del oficio."),
                                                          Length(max=8000)],
                         render_kw={"rows": 14},
                         description="Separe los párrafos con una línea en blanco. Use los marcadores de la lista.")
    copies = TextAreaField("Con copia para (c.c.p.)", validators=[Length(max=2000)],
                           description="Una persona o área por línea.")
    version = HiddenField()


class LetterForm(FlaskForm):
    signer = StringField("Nombre de quien firma", validators=[DataRequired("Escriba quién firma."), Length(max=120)])
    signer_post = StringField("Cargo de quien firma", validators=[DataRequired("Escriba el cargo."),
                                                                  Length(max=160)])
