"""Who may see or act on which record: each rule once, its SQL form beside its per-record form, and the loaders.

Every query over case data goes through `scoped` (or `audit_scope`, or an account clause), and every
single record is loaded through one `get_<thing>_for(session, actor, id)` that returns it or raises
`NotVisible` (the web layer audits it and answers 404: forbidden and absent look alike).
Rules ask permissions (`Permission.WHOLE_TERRITORY`), never role names. This module reads feature
*models* (tables) only; features' services import it, never the other way round.
"""
from dfi_casos.errors import NotVisible
from dfi_casos.scope.loaders import (
    get_account_for,
    get_arco_person_for,
    get_arco_request_for,
    get_assessment_for,
    get_attachment_for,
    get_calendar_period_for,
    get_case_for,
    get_community_for,
    get_consent_for,
    get_event_for,
    get_flag_for,
    get_for,
    get_household_for,
    get_import_job_for,
    get_institution_for,
    get_measure_for,
    get_overseen_account_for,
    get_person_block_for,
    get_person_for,
    get_plan_action_for,
    get_plan_for,
    get_plan_goal_for,
    get_referral_for,
    get_service_for,
    get_subject_for,
    get_transfer_for,
    load,
    may_see_transfer,
    parse_uuid,
    record_loaded,
    require_uuid,
    transfer_scope,
)
from dfi_casos.scope.rules import (
    arco_scoped,
    audit_scope,
    blocked_person_ids,
    can_edit_calendar,
    can_edit_institution,
    can_edit_letter_templates,
    can_manage_account,
    can_oversee_account,
    caseworker_clause,
    editable_institutions_clause,
    manageable_accounts_clause,
    may_handle_arco,
    may_see_audit_entry,
    not_blocked_clause,
    overseen_accounts_clause,
    reportable_person,
    scoped,
    territory_clause,
    visible,
    works_on,
)
from dfi_casos.security.access import in_territory

__all__ = [
    "NotVisible", "in_territory", "territory_clause", "scoped", "caseworker_clause", "works_on", "visible",
    "can_manage_account", "manageable_accounts_clause", "can_oversee_account", "overseen_accounts_clause",
    "audit_scope", "may_see_audit_entry", "can_edit_institution", "editable_institutions_clause",
    "parse_uuid", "require_uuid", "load", "get_for", "record_loaded", "get_person_for", "get_household_for",
    "get_event_for", "get_community_for",
    "get_case_for", "get_subject_for", "get_referral_for", "get_service_for", "get_assessment_for",
    "get_flag_for", "get_transfer_for", "transfer_scope", "may_see_transfer", "get_plan_for",
    "get_plan_goal_for", "get_plan_action_for", "get_measure_for",
    "get_institution_for", "get_account_for", "get_overseen_account_for", "get_import_job_for",
    "arco_scoped", "may_handle_arco", "not_blocked_clause", "blocked_person_ids", "reportable_person",
    "get_arco_person_for", "get_arco_request_for", "can_edit_calendar",
    "get_calendar_period_for", "get_person_block_for",
    "get_consent_for", "get_attachment_for", "can_edit_letter_templates",
]
