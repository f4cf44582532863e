"""Case forms: one per action on the case page, each carrying the case version it was loaded with."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dfi_casos.catalogs.enums import (
    AssistanceType,
    ClosureReason,
    RecognitionDecision,
    ReferralStatus,
    ServiceStatus,
    Stage,
    choices,
)
from dfi_casos.formutil import MultiCheckboxField, select_choices

TEXT_LIMIT = Length(max=4000, message="Máximo 4000 caracteres.")


def _version(_form: FlaskForm, field: HiddenField) -> None:
    if not (field.data or "").isdigit():
        raise ValidationError("Falta la versión del caso: recargue la página.")


class CaseActionForm(FlaskForm):
    """Base of every action on a case: the version it was shown at (optimistic locking)."""

    version = HiddenField(validators=[_version])

    def expected_version(self) -> int:
        return int(self.version.data)


class OpenCaseForm(FlaskForm):
    stage = SelectField("Etapa inicial", choices=select_choices(
        (s.value, s.label) for s in (Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION)),
        default=Stage.ASSISTANCE.value, validators=[DataRequired("Elija la etapa inicial.")],
        description="Prevención para quienes están en riesgo; asistencia tras el desplazamiento.")


class StageChangeForm(CaseActionForm):
    to_stage = SelectField("Nueva etapa", validators=[DataRequired("Elija la etapa.")])
    reason = TextAreaField("Motivo", validators=[Optional(), TEXT_LIMIT],
                           description="Obligatorio para regresar a una etapa anterior.")


class ApprovalRequestForm(CaseActionForm):
    to_stage = SelectField("Solicitar el paso a", validators=[DataRequired("Elija la etapa.")])
    closure_reason = SelectField("Motivo del cierre", validators=[Optional()],
                                 choices=select_choices(choices(ClosureReason), blank="(no aplica)"))
    justification = TextAreaField("Justificación", validators=[DataRequired("Escriba la justificación."),
                                                                TEXT_LIMIT])


class ApprovalDecisionForm(CaseActionForm):
    decision = SelectField("Decisión", choices=select_choices([("approve", "Aprobar"), ("reject", "Rechazar")]),
                           validators=[DataRequired("Elija la decisión.")])
    comment = TextAreaField("Comentario", validators=[Optional(), TEXT_LIMIT],
                            description="Obligatorio al rechazar.")


class IntakeForm(CaseActionForm):
    summary = TextAreaField("Resumen de la entrevista inicial",
                            validators=[DataRequired("Escriba el resumen de la entrevista."), TEXT_LIMIT])


class RecognitionForm(CaseActionForm):
    decision = SelectField("Decisión", choices=select_choices(choices(RecognitionDecision)),
                           validators=[DataRequired("Elija la decisión.")])
    reason = TextAreaField("Motivo", validators=[DataRequired("Escriba el motivo de la decisión."), TEXT_LIMIT])


class AppealForm(CaseActionForm):
    grounds = TextAreaField("Motivos del recurso de revisión",
                            validators=[DataRequired("Escriba los motivos del recurso."), TEXT_LIMIT])


class AssignForm(CaseActionForm):
    owner_id = SelectField("Responsable", coerce=int, validators=[DataRequired("Elija a la persona responsable.")])
    assignee_ids = MultiCheckboxField("También asignado a", coerce=int, validators=[Optional()])


class ServiceForm(FlaskForm):
    assistance_type = SelectField("Tipo de asistencia", choices=select_choices(choices(AssistanceType)),
                                  validators=[DataRequired("Elija el tipo.")])
    provided_on = DateField("Fecha", validators=[DataRequired("Escriba la fecha (aaaa-mm-dd).")])
    status = SelectField("Estado", choices=select_choices(choices(ServiceStatus)),
                         validators=[DataRequired("Elija el estado.")])
    institution_id = SelectField("Institución que lo brinda", validators=[Optional()])
    notes = TextAreaField("Notas", validators=[Optional(), TEXT_LIMIT])


class ReferralForm(FlaskForm):
    institution_id = SelectField("Institución", validators=[DataRequired("Elija la institución.")])
    need = SelectField("Necesidad", choices=select_choices(choices(AssistanceType)),
                       validators=[DataRequired("Elija la necesidad.")])
    due_on = DateField("Fecha límite de respuesta", validators=[DataRequired("Escriba la fecha (aaaa-mm-dd).")])
    notes = TextAreaField("Notas", validators=[Optional(), TEXT_LIMIT])


class ReferralStatusForm(FlaskForm):
    status = SelectField("Nuevo estado", choices=select_choices(choices(ReferralStatus)),
                         validators=[DataRequired("Elija el estado.")])
    response = TextAreaField("Respuesta de la institución", validators=[Optional(), TEXT_LIMIT])


class ServiceStatusForm(FlaskForm):
    status = SelectField("Nuevo estado", choices=select_choices(choices(ServiceStatus)),
                         validators=[DataRequired("Elija el estado.")])


class NoteForm(FlaskForm):
    body = TextAreaField("Nota", validators=[DataRequired("Escriba la nota."), TEXT_LIMIT])


class CaseFilterForm(FlaskForm):
    """Filters of the case list (GET: no personal data travels in it; a folio is not personal)."""

    class Meta:
        csrf = False

    folio = StringField("Folio", validators=[Optional(), Length(max=30, message="Máximo 30 caracteres.")])
    stage = SelectField("Etapa", validators=[Optional()],
                        choices=select_choices(choices(Stage), blank="Todas"))
    state = SelectField("Entidad", validators=[Optional()])
    owner = SelectField("Responsable", validators=[Optional()])
    overdue = BooleanField("Solo con canalizaciones vencidas")
    sort = SelectField("Ordenar por", validators=[Optional()],
                       choices=select_choices([("recientes", "Más recientes"), ("dias", "Más días en la etapa"),
                                               ("folio", "Folio")]))
