"""The registry's services, one module per concern; this module names them all for views and other features.

- `registry.data`: what forms carry (PersonData, HouseholdData, ...) and field labels;
- `registry.rules`: RegistryError, territory and field checks, edit history, optimistic locking;
- `registry.duplicates`: possible duplicates and the reasons kept when saving anyway;
- `registry.persons`: persons and households, members joining and leaving;
- `registry.events_communities`: displacement events and communities;
- `registry.consent`: consents and whether data may be shared;
- `registry.search`: lists (the search box is `registry.finder`).
Institutions have their own package, `dfi_casos.institutions`. Loaders are `scope.get_<thing>_for`.
"""
from __future__ import annotations

from dfi_casos.errors import EditConflict
from dfi_casos.registry.consent import (
    has_consent_to_share,
    objects_to_referral,
    record_consent,
    withdraw_consent,
)
from dfi_casos.registry.data import (
    COMMUNITY_FIELDS,
    EVENT_FIELDS,
    PERSON_FIELD_LABELS,
    PERSON_FIELDS,
    CommunityData,
    ConsentData,
    EventData,
    HouseholdData,
    MemberData,
    PersonData,
)
from dfi_casos.registry.duplicates import (
    OUT_OF_SCOPE_NOTICE,
    DuplicateMatch,
    DuplicatesFound,
    find_similar,
)
from dfi_casos.registry.events_communities import (
    COMMUNITY_KINDS,
    COMMUNITY_LABELS,
    EVENT_LABELS,
    is_mass_event,
    register_community,
    register_event,
    update_community,
    update_event,
    visible_communities,
    visible_events,
    visible_households,
)
from dfi_casos.registry.persons import (
    IDENTITY_FIELDS,
    LEAVE_REASONS,
    add_member,
    end_membership,
    move_to_household,
    register_household,
    register_person,
    update_household,
    update_membership,
    update_person,
)
from dfi_casos.registry.rules import ChangeSummary, RegistryError, changes_since, edit_conflict, municipalities
from dfi_casos.registry.search import (
    Filters,
    list_communities,
    list_events,
    list_households,
    list_persons,
)

__all__ = [
    "COMMUNITY_FIELDS", "COMMUNITY_KINDS", "COMMUNITY_LABELS", "EVENT_FIELDS", "EVENT_LABELS", "IDENTITY_FIELDS",
    "LEAVE_REASONS", "OUT_OF_SCOPE_NOTICE", "PERSON_FIELDS", "PERSON_FIELD_LABELS", "ChangeSummary",
    "CommunityData", "ConsentData", "DuplicateMatch", "DuplicatesFound", "EditConflict", "EventData", "Filters",
    "HouseholdData", "MemberData", "PersonData", "RegistryError", "add_member", "changes_since", "edit_conflict",
    "end_membership", "find_similar", "has_consent_to_share", "objects_to_referral", "is_mass_event",
    "list_communities", "list_events", "list_households", "list_persons", "move_to_household", "municipalities",
    "record_consent",
    "register_community", "register_event", "register_household", "register_person", "update_community",
    "update_event", "update_household", "update_membership", "update_person", "visible_communities",
    "visible_events", "visible_households", "withdraw_consent",
]
