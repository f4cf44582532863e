"""No Python module shows Spanish text outside gettext (#21): the Python twin of test_template_text.

An AST scan of dfi_casos/**/*.py for string literals with Spanish text (an accented letter, ñ, ¿ ¡ « », or
two different Spanish function words) that are not the argument of a gettext function, a docstring, or a log
message. What stays Spanish on purpose is listed below, with its reason.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dfi_casos"
SPANISH = re.compile(r"[áéíóúüñÁÉÍÓÚÜÑ¿¡«»]")
# Unaccented Spanish ("Traslado aceptado: el caso ya es de su entidad.") shows by its function words.
SPANISH_WORDS = re.compile(r"\b(el|la|los|las|del|de|una|se|su|sus|es|para|que|por|con|caso|casos|debe|puede|ya|sin|"
                           r"hay|esta|este)\b")
# Text a person reads has a lower-case letter: upper-case-only literals are the CURP alphabet and patterns.
LOWER = re.compile(r"[a-záéíóúüñ]")
GETTEXT = frozenset({"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"})
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})

#: Files (or folders) whose Spanish stays Spanish, and why.
EXEMPT_FILES: dict[str, str] = {
    "dfi_casos/api/": "API error messages are documented in Spanish (docs/api.md); their `code` is for machines",
    "dfi_casos/cli.py": "command-line output for the operators",
    "dfi_casos/backup.py": "errors of the backup/restore commands (command-line output)",
    "dfi_casos/backup_cli.py": "command-line output",
    "dfi_casos/documents/cli.py": "command-line output",
    "dfi_casos/imports/cli.py": "command-line output",
    "dfi_casos/reports/cli.py": "command-line output",
    "dfi_casos/rights/cli.py": "command-line output",
    "dfi_casos/security/audit_cli.py": "command-line output",
    "dfi_casos/security/keys_cli.py": "command-line output",
    "dfi_casos/security/crypto.py": "key-configuration errors at start-up and in the key commands (operators)",
    "dfi_casos/security/envelope.py": "integrity errors, logged and reported by `files verify` (operators)",
    "dfi_casos/security/rotation.py": "key rotation command output",
    "dfi_casos/security/fields.py": "programming errors (misuse of encrypted fields), never shown to users",
    "dfi_casos/documents/storage.py": "storage configuration errors at start-up",
    "dfi_casos/documents/verify.py": "`files verify` command output",
    "dfi_casos/demo.py": "demo data: stored values",
    "dfi_casos/cases/demo.py": "demo data: stored values",
    "dfi_casos/registry/demo.py": "demo data: stored values",
    "dfi_casos/rights/demo.py": "demo data: stored values",
    "dfi_casos/solutions/demo.py": "demo data: stored values",
    "dfi_casos/bench_views.py": "benchmark-only views",
    "dfi_casos/catalogs/geography.py": "INEGI names of states and municipalities (proper names)",
    "dfi_casos/catalogs/languages.py": "INALI names of the indigenous languages, and a start-up assertion",
    "dfi_casos/institutions/models.py": "official names of the institutions (stored values)",
    "dfi_casos/imports/xlsform.py": "the field form for KoboToolbox/ODK is Spanish (built under force_locale)",
    "dfi_casos/documents/casefile.py": "the case file PDF: an official document, in Spanish",
    "dfi_casos/documents/letters.py": "oficios: official documents, their default template and placeholders",
    "dfi_casos/rights/calendar.py": "the administrative calendar's name: a stored value",
    "dfi_casos/rights/retention.py": "the vigencia (stored in retention_run) and the retention command's skip reasons",
    "dfi_casos/i18n.py": "each language's name in that language (the chooser)",
}

#: Single literals that stay Spanish inside otherwise translated files: (file, start of the literal) -> why.
EXEMPT_LITERALS: dict[tuple[str, str], str] = {
    ("dfi_casos/imports/fields.py", "Sí"): "a value read from the import spreadsheet (yes/no column)",
    ("dfi_casos/registry/forms.py", "Sí"): "stored answer code of the disability questions",
    ("dfi_casos/security/errors.py", "<!doctype html>"): "last-resort page when the template itself fails",
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _allowed_nodes(tree: ast.AST) -> set[int]:
    """Ids of the constants that may hold Spanish: docstrings and the arguments of gettext and log calls."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            allowed.add(id(node.value))  # docstrings, and `#:`-style attribute docstrings
        if isinstance(node, ast.Call):
            name = _name(node.func)
            is_log = name in LOG_METHODS and isinstance(node.func, ast.Attribute) \
                and _name(node.func.value) in {"log", "logger", "logging", "current_app"}
            if name in GETTEXT or is_log:
                for arg in node.args:
                    allowed.update(id(n) for n in ast.walk(arg))
    return allowed


def spanish_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    allowed = _allowed_nodes(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed
            and _is_spanish(node.value)]


def _is_spanish(text: str) -> bool:
    accented = SPANISH.search(text) is not None and LOWER.search(text) is not None
    return accented or len(set(SPANISH_WORDS.findall(text))) >= 2


def _exempt(relative: str, text: str) -> bool:
    return relative.startswith(tuple(EXEMPT_FILES)) or any(
        relative == file and text.startswith(start) for file, start in EXEMPT_LITERALS)


def test_python_shows_no_spanish_outside_gettext():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        found += [f"{relative}:{line}: {text[:70]!r}" for line, text in spanish_literals(path)
                  if not _exempt(relative, text)]
    assert not found, "wrap these with _() / _l() (no f-strings: _(\"… %(x)s\", x=…)):\n" + "\n".join(found)


def test_the_scan_sees_an_f_string_and_not_a_wrapped_message(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Módulo."""\nx = _("Acción")\ny = f"Pasar a «{x}»"\nlog.info("código")\n'
                      'z = "Traslado aceptado: el caso ya es de su entidad."\nw = "[A-ZÑ]{4}"\n',
                      encoding="utf-8")
    assert sorted(line for line, _text in spanish_literals(sample)) == [3, 5]


def test_every_exemption_still_names_an_existing_file():
    assert [f for f in EXEMPT_FILES if not (ROOT / f).exists()] == []
    assert [f for f, _start in EXEMPT_LITERALS if not (ROOT / f).exists()] == []
