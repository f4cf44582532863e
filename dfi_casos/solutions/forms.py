"""Assessment and sign-off forms; field names match the service's error fields (`safety_status`, ...)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from dfi_casos.catalogs.enums import CriterionStatus, IascCriterion, SettlementOption
from dfi_casos.formutil import select_choices
from dfi_casos.solutions.services import EVIDENCE_MAX_LENGTH, AssessmentData

NO_OPTION = _l("Aún no lo decide / sin definir")


def _option_choices() -> list[SelectChoice]:
    return select_choices(((o.value, o.lazy_label) for o in SettlementOption), blank=NO_OPTION)


class AssessmentForm(FlaskForm):
    """The date, the two settlement options, and a status with its evidence for each IASC criterion."""

    assessed_on = DateField(_l("Fecha de la evaluación"),
                            validators=[DataRequired(_l("Escriba la fecha (aaaa-mm-dd)."))])
    preferred_option = SelectField(
        _l("Opción que prefiere el hogar"), choices=_option_choices(),
        description=_l("Lo que el propio hogar expresa: su decisión voluntaria e informada."))
    option_in_progress = SelectField(_l("Opción en curso"), choices=_option_choices(),
                                     description=_l("La opción en la que se trabaja hoy."))

    def criterion_fields(self) -> list[tuple[IascCriterion, SelectField, TextAreaField]]:
        """(criterion, status field, evidence field) in the IASC order, for the template."""
        return [(c, self[f"{c.value}_status"], self[f"{c.value}_evidence"]) for c in IascCriterion]

    def data_for_service(self) -> AssessmentData:
        statuses = {c: CriterionStatus(self[f"{c.value}_status"].data) for c in IascCriterion
                    if self[f"{c.value}_status"].data}
        evidence = {c: self[f"{c.value}_evidence"].data or "" for c in IascCriterion}
        return AssessmentData(
            assessed_on=self.assessed_on.data,
            preferred_option=SettlementOption(self.preferred_option.data) if self.preferred_option.data else None,
            option_in_progress=(SettlementOption(self.option_in_progress.data)
                                if self.option_in_progress.data else None),
            statuses=statuses, evidence=evidence,
        )


# One status and one evidence field per criterion, declared in the Framework's order; WTForms
# reads fields set on the class before the first instance is made.
for _criterion in IascCriterion:
    setattr(AssessmentForm, f"{_criterion.value}_status", SelectField(
        _l("Estado"), choices=select_choices((s.value, s.lazy_label) for s in CriterionStatus),
        default=CriterionStatus.NOT_ASSESSED.value, validators=[DataRequired(_l("Elija el estado de este criterio."))]))
    setattr(AssessmentForm, f"{_criterion.value}_evidence", TextAreaField(
        _l("Evidencia"), validators=[Length(max=EVIDENCE_MAX_LENGTH,
                                            message=_l("Máximo %(n)s caracteres.", n=EVIDENCE_MAX_LENGTH))],
        description=_l("Qué sustenta el estado: documentos vistos, entrevistas, visitas.")))


def _version(_form: FlaskForm, field: HiddenField) -> None:
    if not (field.data or "").isdigit():
        raise ValidationError(_("Falta la versión de la evaluación: recargue la página."))


class SignForm(FlaskForm):
    """Supervisor sign-off, carrying the version the page showed."""

    version = HiddenField(validators=[_version])
