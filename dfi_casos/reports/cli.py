"""`dfi-casos report monthly`: the monthly report from the command line (whoever runs it holds the server)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app

from dfi_casos.catalogs.geography import state_by_code
from dfi_casos.database import local_today
from dfi_casos.extensions import db
from dfi_casos.registry import services as registry_services
from dfi_casos.reports import monthly
from dfi_casos.security.access import Permission, Role


@dataclass(frozen=True)
class CommandLinePrincipal:
    """The territory a command-line report covers: one state, or the nation. Never an account: the audit
    entry it leaves has no actor (the operator is whoever holds a shell on the server)."""

    states: list[str] = field(default_factory=list)
    id: int = 0
    role: Role = Role.SUPERVISOR
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def is_national(self) -> bool:
        return not self.states

    def may(self, permission: Permission) -> bool:
        return permission is Permission.EXPORT_STATISTICS


@click.group("report", help="Reportes estadísticos.")
def report_cli() -> None:
    pass


@report_cli.command("monthly", help="Informe mensual en PDF o XLSX (según la extensión de --out).")
@click.option("--state", "state_code", default=None, help="Clave INEGI de la entidad (p. ej. 12); sin ella, nacional.")
@click.option("--month", required=True, help="Mes, AAAA-MM (p. ej. 2026-11).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Archivo de salida: .pdf o .xlsx.")
def monthly_command(state_code: str | None, month: str, out: Path) -> None:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter("Escriba el mes como AAAA-MM, p. ej. 2026-11.", param_hint="--month") from None
    if state_code is not None:
        state_code = state_code.zfill(2)
        if state_by_code(state_code) is None:
            raise click.BadParameter("No es una clave INEGI de entidad (01 a 32).", param_hint="--state")
    if out.suffix.lower() not in (".pdf", ".xlsx"):
        raise click.BadParameter("El archivo debe terminar en .pdf o .xlsx.", param_hint="--out")
    threshold = int(current_app.config["SMALL_CELL_THRESHOLD"])
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    principal = CommandLinePrincipal([state_code] if state_code else [])
    today = local_today()
    with current_app.test_request_context():
        report = monthly.build(db.session, principal, first, state_code, registry_services.municipalities(),
                               threshold, zone, today)
        if out.suffix.lower() == ".pdf":
            content = monthly.to_pdf(db.session, None, report, threshold, today.isoformat())
        else:
            content = monthly.to_xlsx(db.session, None, report, threshold)
    out.write_bytes(content)
    db.session.commit()  # the export's audit entry
    click.echo(f"{report.title}: {out} ({len(content):,} bytes, {len(report.tables)} tablas).")
