"""Case forms: one per action on the case page, each carrying the case version it was loaded with."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

TEXT_LIMIT = Length(max=4000, message=_l("Máximo 4000 caracteres."))
REASON_LIMIT = Length(max=2000, message=_l("Máximo 2000 caracteres."))


def _version(_form: FlaskForm, field: HiddenField) -> None:
    if not (field.data or "").isdigit():
        raise ValidationError(_l("Falta la versión del caso: recargue la página."))


class CaseActionForm(FlaskForm):
    """Base of every action on a case: the version it was shown at (optimistic locking)."""

    version = HiddenField(validators=[_version])

    def expected_version(self) -> int:
        return int(self.version.data)


class OpenCaseForm(FlaskForm):
    stage = SelectField(_l("Etapa inicial"), choices=select_choices(
        (s.value, s.lazy_label) for s in (Stage.PREVENTION, Stage.ASSISTANCE, Stage.ATTENTION)),
        default=Stage.ASSISTANCE.value, validators=[DataRequired(_l("Elija la etapa inicial."))],
        description=_l("Prevención para quienes están en riesgo; asistencia tras el desplazamiento."))


class StageChangeForm(CaseActionForm):
    to_stage = SelectField(_l("Nueva etapa"), validators=[DataRequired(_l("Elija la etapa."))])
    reason = TextAreaField(_l("Motivo"), validators=[Optional(), TEXT_LIMIT],
                           description=_l("Obligatorio para regresar a una etapa anterior."))


class ApprovalRequestForm(CaseActionForm):
    to_stage = SelectField(_l("Solicitar el paso a"), validators=[DataRequired(_l("Elija la etapa."))])
    closure_reason = SelectField(_l("Motivo del cierre"), validators=[Optional()],
                                 choices=select_choices(choices(ClosureReason), blank=_l("(no aplica)")))
    justification = TextAreaField(_l("Justificación"), validators=[DataRequired(_l("Escriba la justificación.")),
                                                                TEXT_LIMIT])


class ApprovalDecisionForm(CaseActionForm):
    decision = SelectField(_l("Decisión"),
                           choices=select_choices([("approve", _l("Aprobar")), ("reject", _l("Rechazar"))]),
                           validators=[DataRequired(_l("Elija la decisión."))])
    comment = TextAreaField(_l("Comentario"), validators=[Optional(), TEXT_LIMIT],
                            description=_l("Obligatorio al rechazar."))


class IntakeForm(CaseActionForm):
    summary = TextAreaField(_l("Resumen de la entrevista inicial"),
                            validators=[DataRequired(_l("Escriba el resumen de la entrevista.")), TEXT_LIMIT])


class RecognitionForm(CaseActionForm):
    decision = SelectField(_l("Decisión"), choices=select_choices(choices(RecognitionDecision)),
                           validators=[DataRequired(_l("Elija la decisión."))])
    reason = TextAreaField(_l("Motivo"), validators=[DataRequired(_l("Escriba el motivo de la decisión.")), TEXT_LIMIT])


class AppealForm(CaseActionForm):
    grounds = TextAreaField(_l("Motivos del recurso de revisión"),
                            validators=[DataRequired(_l("Escriba los motivos del recurso.")), TEXT_LIMIT])


class AssignForm(CaseActionForm):
    owner_id = SelectField(_l("Responsable"), coerce=int,
                           validators=[DataRequired(_l("Elija a la persona responsable."))])
    assignee_ids = MultiCheckboxField(_l("También asignado a"), coerce=int, validators=[Optional()])


class ServiceForm(FlaskForm):
    assistance_type = SelectField(_l("Tipo de asistencia"), choices=select_choices(choices(AssistanceType)),
                                  validators=[DataRequired(_l("Elija el tipo."))])
    provided_on = DateField(_l("Fecha"), validators=[DataRequired(_l("Escriba la fecha (aaaa-mm-dd)."))])
    status = SelectField(_l("Estado"), choices=select_choices(choices(ServiceStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])
    institution_id = SelectField(_l("Institución que lo brinda"), validators=[Optional()])
    notes = TextAreaField(_l("Notas"), validators=[Optional(), TEXT_LIMIT])


class ReferralForm(FlaskForm):
    institution_id = SelectField(_l("Institución"), validators=[DataRequired(_l("Elija la institución."))])
    need = SelectField(_l("Necesidad"), choices=select_choices(choices(AssistanceType)),
                       validators=[DataRequired(_l("Elija la necesidad."))])
    due_on = DateField(_l("Fecha límite de respuesta"), validators=[DataRequired(_l("Escriba la fecha (aaaa-mm-dd)."))])
    notes = TextAreaField(_l("Notas"), validators=[Optional(), TEXT_LIMIT])


class ReferralStatusForm(FlaskForm):
    status = SelectField(_l("Nuevo estado"), choices=select_choices(choices(ReferralStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])
    response = TextAreaField(_l("Respuesta de la institución"), validators=[Optional(), TEXT_LIMIT])


class ServiceStatusForm(FlaskForm):
    status = SelectField(_l("Nuevo estado"), choices=select_choices(choices(ServiceStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Nota"), validators=[DataRequired(_l("Escriba la nota.")), TEXT_LIMIT])


class CaseFilterForm(FlaskForm):
    """Filters of the case list (GET: no personal data travels in it; a folio is not personal)."""

    class Meta:
        csrf = False

    folio = StringField(_l("Folio"), validators=[Optional(), Length(max=30, message=_l("Máximo 30 caracteres."))])
    stage = SelectField(_l("Etapa"), validators=[Optional()],
                        choices=select_choices(choices(Stage), blank=_l("Todas")))
    state = SelectField(_l("Entidad"), validators=[Optional()])
    owner = SelectField(_l("Responsable"), validators=[Optional()])
    overdue = BooleanField(_l("Solo con canalizaciones vencidas"))
    flag = SelectField(_l("Alerta"), validators=[Optional()],
                       choices=select_choices([("cualquiera", _l("Con cualquier alerta activa")), *choices(FlagType)],
                                              blank=_l("Todas")))
    sort = SelectField(_l("Ordenar por"), validators=[Optional()],
                       choices=select_choices([("recientes", _l("Más recientes")), ("dias", _l("Más días en la etapa")),
                                               ("folio", _l("Folio"))]))


# --- a case's life beside the stages: flags, reopening, transfers -------------------------------------

class FlagForm(FlaskForm):
    flag_type = SelectField(_l("Tipo de alerta"), choices=select_choices(choices(FlagType)),
                            validators=[DataRequired(_l("Elija el tipo de alerta."))])
    reason = TextAreaField(_l("Motivo"), validators=[DataRequired(_l("Escriba el motivo.")), REASON_LIMIT],
                           description=_l("Se guarda cifrado; lo leen quienes trabajan el caso."))


class LowerFlagForm(FlaskForm):
    reason = TextAreaField(_l("Motivo para bajar la alerta"), validators=[DataRequired(_l("Escriba el motivo.")),
                                                                       REASON_LIMIT])


class ReopenRequestForm(CaseActionForm):
    to_stage = SelectField(_l("Reabrir en la etapa"), validators=[DataRequired(_l("Elija la etapa."))],
                           description=_l("Por omisión, la etapa en que estaba al cerrarse."))
    reason = TextAreaField(_l("Motivo de la reapertura"),
                           validators=[DataRequired(_l("Escriba el motivo.")), TEXT_LIMIT])


class TransferRequestForm(CaseActionForm):
    to_state = SelectField(_l("Entidad que recibe el caso"), validators=[DataRequired(_l("Elija la entidad."))])
    reason = TextAreaField(_l("Motivo del traslado"), validators=[DataRequired(_l("Escriba el motivo.")), TEXT_LIMIT],
                           description=_l("Lo leen ambas oficinas: la que envía y la que recibe."))


class EventTransferForm(FlaskForm):
    to_state = SelectField(_l("Entidad que recibe los casos"), validators=[DataRequired(_l("Elija la entidad."))])
    reason = TextAreaField(_l("Motivo del traslado"), validators=[DataRequired(_l("Escriba el motivo.")), TEXT_LIMIT])


class TransferDecisionForm(FlaskForm):
    decision = SelectField(_l("Respuesta"),
                           choices=select_choices([("accept", _l("Aceptar")), ("decline", _l("Rechazar"))]),
                           validators=[DataRequired(_l("Elija la respuesta."))])
    new_owner_id = SelectField(_l("Responsable en la entidad que recibe"), validators=[Optional()],
                               description=_l("Obligatorio al aceptar."))
    comment = TextAreaField(_l("Comentario"), validators=[Optional(), TEXT_LIMIT],
                            description=_l("Obligatorio al rechazar."))


class TransferWithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Motivo para retirar la solicitud"),
                           validators=[DataRequired(_l("Escriba por qué se retira la solicitud de traslado.")),
                                       REASON_LIMIT],
                           description=_l("Ambas entidades lo leen. El caso se queda en su entidad."))


# --- case plans ----------------------------------------------------------------------------------------

class GoalForm(FlaskForm):
    description = TextAreaField(_l("Meta acordada"), validators=[DataRequired(_l("Describa la meta.")), REASON_LIMIT])
    criterion = SelectField(_l("Criterio IASC"), validators=[Optional()],
                            choices=select_choices(choices(IascCriterion), blank=_l("(ninguno)")))
    need = SelectField(_l("O bien, necesidad"), validators=[Optional()],
                       choices=select_choices(choices(AssistanceType), blank=_l("(ninguna)")),
                       description=_l("Vincule la meta a un criterio o a una necesidad."))


class PlanActionForm(FlaskForm):
    description = TextAreaField(_l("Acción"), validators=[DataRequired(_l("Describa la acción.")), REASON_LIMIT])
    due_on = DateField(_l("Fecha compromiso"), validators=[DataRequired(_l("Escriba la fecha (aaaa-mm-dd)."))])
    responsible_user_id = SelectField(_l("Persona responsable"), validators=[Optional()])
    institution_id = SelectField(_l("O bien, institución responsable"), validators=[Optional()])


class PlanSubmitForm(FlaskForm):
    version = HiddenField(validators=[_version])
    summary = TextAreaField(_l("Cómo se acordó (o qué cambia en esta revisión)"),
                            validators=[DataRequired(_l("Escriba el resumen.")), REASON_LIMIT])


class PlanDecisionForm(FlaskForm):
    version = HiddenField(validators=[_version])
    decision = SelectField(_l("Decisión"),
                           choices=select_choices([("approve", _l("Aprobar")), ("reject", _l("Devolver"))]),
                           validators=[DataRequired(_l("Elija la decisión."))])
    comment = TextAreaField(_l("Comentario"), validators=[Optional(), TEXT_LIMIT],
                            description=_l("Obligatorio al devolver."))


class PlanActionStatusForm(FlaskForm):
    status = SelectField(_l("Estado de la acción"), choices=select_choices(choices(ActionStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])


# --- community cases -----------------------------------------------------------------------------------

class MeasureForm(FlaskForm):
    measure_type = SelectField(_l("Medida colectiva"), choices=select_choices(choices(CollectiveMeasureType)),
                               validators=[DataRequired(_l("Elija la medida."))])
    measure_on = DateField(_l("Fecha"), validators=[DataRequired(_l("Escriba la fecha (aaaa-mm-dd)."))])
    status = SelectField(_l("Estado"), choices=select_choices(choices(MeasureStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])
    institution_id = SelectField(_l("Institución"), validators=[Optional()])
    notes = TextAreaField(_l("Notas"), validators=[Optional(), TEXT_LIMIT])


class MeasureStatusForm(FlaskForm):
    status = SelectField(_l("Nuevo estado"), choices=select_choices(choices(MeasureStatus)),
                         validators=[DataRequired(_l("Elija el estado."))])


class RemoveRepresentativeForm(FlaskForm):
    representative_id = HiddenField(validators=[DataRequired(_l("Elija a quién quitar."))])


class RepresentativeForm(FlaskForm):
    person_id = SelectField(_l("Persona"), validators=[DataRequired(_l("Elija a la persona."))])
    role = StringField(_l("Cargo o papel en la comunidad"), validators=[DataRequired(_l("Escriba el cargo.")),
                                                                    Length(max=120,
                                                                           message=_l("Máximo 120 caracteres."))])
