"""The import graph keeps its direction: features -> scope -> security; security knows no feature.

Read from the source with grimp, so a boundary crossed anywhere (even deep in a chain) fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from dfi_casos import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "dfi_casos"
#: What the gates must never depend on: the features and their screens.
FEATURES = ("dfi_casos.registry", "dfi_casos.cases", "dfi_casos.solutions", "dfi_casos.auth.models",
            "dfi_casos.auth.services", "dfi_casos.auth.views", "dfi_casos.admin", "dfi_casos.audit_ui",
            "dfi_casos.scope", "dfi_casos.web", "dfi_casos.imports")
#: The feature modules scope may read: tables only, never rules or screens.
SERVICE_AND_VIEW_MODULES = ("services", "views", "forms", "pages", "workflow", "dashboard", "export", "demo")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("dfi_casos", include_external_packages=False)


@pytest.mark.parametrize("feature", FEATURES)
def test_security_imports_no_feature(graph, feature):
    chain = graph.find_shortest_chain(importer="dfi_casos.security", imported=feature, as_packages=True)
    assert chain is None, f"dfi_casos.security llega a {feature}: {' -> '.join(chain or ())}"


def test_scope_reads_feature_tables_but_no_feature_rules_or_screens(graph):
    imported = set().union(*(graph.find_modules_directly_imported_by(module)
                             for module in {"dfi_casos.scope"} | graph.find_descendants("dfi_casos.scope")))
    crossing = sorted(m for m in imported if m.rsplit(".", 1)[-1] in SERVICE_AND_VIEW_MODULES)
    assert crossing == [], f"dfi_casos.scope importa reglas o pantallas: {crossing}"


def test_no_table_module_imports_scope(graph):
    importers = {m for m in graph.find_downstream_modules("dfi_casos.scope") if m.endswith(".models")}
    assert importers == set(), f"un módulo de tablas depende de scope: {sorted(importers)}"


def _function_local_imports(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    # The reason is written in the function, above the import: "# cycle: <why>", or
                    # "# deferred: <why>" for a library too slow to load at startup (WeasyPrint).
                    above = lines[node.lineno - 1:inner.lineno]
                    if not any("# cycle:" in line or "# deferred:" in line for line in above):
                        found.append((inner.lineno, ast.unparse(inner)))
    return found


def test_imports_sit_at_the_top_unless_a_cycle_is_named_beside_them():
    offenders = [f"{path.relative_to(PROJECT_ROOT)}:{line}: {text}"
                 for path in sorted(PACKAGE.rglob("*.py")) for line, text in _function_local_imports(path)]
    assert offenders == [], "importaciones dentro de funciones sin '# cycle: <motivo>':\n" + "\n".join(offenders)
