"""Case forms: one per action on the case page, each carrying the case version it was loaded with."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dfi_casos.cases.community_models import CollectiveMeasureType, MeasureStatus
from dfi_casos.cases.life_models import FlagType
from dfi_casos.cases.plan_models import ActionStatus
from dfi_casos.catalogs.enums import (
    AssistanceType,
    ClosureReason,
    IascCriterion,
    RecognitionDecision,
    ReferralStatus,
    ServiceStatus,
    Stage,
    choices,
)
from dfi_casos.formutil import MultiCheckboxField, select_choices

TEXT_LIMIT = Length(max=4000, message="Máximo 4000 caracteres.")
REASON_LIMIT = Length(max=2000, message="Máximo 2000 caracteres.")


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
    flag = SelectField("Alerta", validators=[Optional()],
                       choices=select_choices([("cualquiera", "Con cualquier alerta activa"), *choices(FlagType)],
                                              blank="Todas"))
    sort = SelectField("Ordenar por", validators=[Optional()],
                       choices=select_choices([("recientes", "Más recientes"), ("dias", "Más días en la etapa"),
                                               ("folio", "Folio")]))


# --- a case's life beside the stages: flags, reopening, transfers -------------------------------------

class FlagForm(FlaskForm):
    flag_type = SelectField("Tipo de alerta", choices=select_choices(choices(FlagType)),
                            validators=[DataRequired("Elija el tipo de alerta.")])
    reason = TextAreaField("Motivo", validators=[DataRequired("Escriba el motivo."), REASON_LIMIT],
                           description="Se guarda cifrado; lo leen quienes trabajan el caso.")


class LowerFlagForm(FlaskForm):
    reason = TextAreaField("Motivo para bajar la alerta", validators=[DataRequired("Escriba el motivo."),
                                                                       REASON_LIMIT])


class ReopenRequestForm(CaseActionForm):
    to_stage = SelectField("Reabrir en la etapa", validators=[DataRequired("Elija la etapa.")],
                           description="Por omisión, la etapa en que estaba al cerrarse.")
    reason = TextAreaField("Motivo de la reapertura", validators=[DataRequired("Escriba el motivo."), TEXT_LIMIT])


class TransferRequestForm(CaseActionForm):
    to_state = SelectField("Entidad que recibe el caso", validators=[DataRequired("Elija la entidad.")])
    reason = TextAreaField("Motivo del traslado", validators=[DataRequired("Escriba el motivo."), TEXT_LIMIT],
                           description="Lo leen ambas oficinas: la que envía y la que recibe.")


class EventTransferForm(FlaskForm):
    to_state = SelectField("Entidad que recibe los casos", validators=[DataRequired("Elija la entidad.")])
    reason = TextAreaField("Motivo del traslado", validators=[DataRequired("Escriba el motivo."), TEXT_LIMIT])


class TransferDecisionForm(FlaskForm):
    decision = SelectField("Respuesta", choices=select_choices([("accept", "Aceptar"), ("decline", "Rechazar")]),
                           validators=[DataRequired("Elija la respuesta.")])
    new_owner_id = SelectField("Responsable en la entidad que recibe", validators=[Optional()],
                               description="Obligatorio al aceptar.")
    comment = TextAreaField("Comentario", validators=[Optional(), TEXT_LIMIT], description="Obligatorio al rechazar.")


# --- case plans ----------------------------------------------------------------------------------------

class GoalForm(FlaskForm):
    description = TextAreaField("Meta acordada", validators=[DataRequired("Describa la meta."), REASON_LIMIT])
    criterion = SelectField("Criterio IASC", validators=[Optional()],
                            choices=select_choices(choices(IascCriterion), blank="(ninguno)"))
    need = SelectField("O bien, necesidad", validators=[Optional()],
                       choices=select_choices(choices(AssistanceType), blank="(ninguna)"),
                       description="Vincule la meta a un criterio o a una necesidad.")


class PlanActionForm(FlaskForm):
    description = TextAreaField("Acción", validators=[DataRequired("Describa la acción."), REASON_LIMIT])
    due_on = DateField("Fecha compromiso", validators=[DataRequired("Escriba la fecha (aaaa-mm-dd).")])
    responsible_user_id = SelectField("Persona responsable", validators=[Optional()])
    institution_id = SelectField("O bien, institución responsable", validators=[Optional()])


class PlanSubmitForm(FlaskForm):
    version = HiddenField(validators=[_version])
    summary = TextAreaField("Cómo se acordó (o qué cambia en esta revisión)",
                            validators=[DataRequired("Escriba el resumen."), REASON_LIMIT])


class PlanDecisionForm(FlaskForm):
    version = HiddenField(validators=[_version])
    decision = SelectField("Decisión", choices=select_choices([("approve", "Aprobar"), ("reject", "Devolver")]),
                           validators=[DataRequired("Elija la decisión.")])
    comment = TextAreaField("Comentario", validators=[Optional(), TEXT_LIMIT], description="Obligatorio al devolver.")


class PlanActionStatusForm(FlaskForm):
    status = SelectField("Estado de la acción", choices=select_choices(choices(ActionStatus)),
                         validators=[DataRequired("Elija el estado.")])


# --- community cases -----------------------------------------------------------------------------------

class MeasureForm(FlaskForm):
    measure_type = SelectField("Medida colectiva", choices=select_choices(choices(CollectiveMeasureType)),
                               validators=[DataRequired("Elija la medida.")])
    measure_on = DateField("Fecha", validators=[DataRequired("Escriba la fecha (aaaa-mm-dd).")])
    status = SelectField("Estado", choices=select_choices(choices(MeasureStatus)),
                         validators=[DataRequired("Elija el estado.")])
    institution_id = SelectField("Institución", validators=[Optional()])
    notes = TextAreaField("Notas", validators=[Optional(), TEXT_LIMIT])


class MeasureStatusForm(FlaskForm):
    status = SelectField("Nuevo estado", choices=select_choices(choices(MeasureStatus)),
                         validators=[DataRequired("Elija el estado.")])


class RepresentativeForm(FlaskForm):
    person_id = SelectField("Persona", validators=[DataRequired("Elija a la persona.")])
    role = StringField("Cargo o papel en la comunidad", validators=[DataRequired("Escriba el cargo."),
                                                                    Length(max=120, message="Máximo 120 caracteres.")])
