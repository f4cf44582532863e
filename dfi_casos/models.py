"""Imports every model module so that Base.metadata knows every table."""
from __future__ import annotations

import importlib

#: Every module that declares tables. A new feature adds its models module here.
MODEL_MODULES = (
    "dfi_casos.auth.models",
    "dfi_casos.security.audit",
    "dfi_casos.institutions.models",
    "dfi_casos.registry.models",
    "dfi_casos.cases.models",
    "dfi_casos.cases.life_models",
    "dfi_casos.cases.plan_models",
    "dfi_casos.cases.community_models",
    "dfi_casos.solutions.models",
    "dfi_casos.imports.models",
    "dfi_casos.rights.models",
    "dfi_casos.documents.models",
    "dfi_casos.api.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
