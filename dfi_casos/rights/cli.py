"""`dfi-casos retention run [--dry-run]`: the retention policy applied in resumable batches."""
from __future__ import annotations

import click
from flask import current_app

from dfi_casos.extensions import db
from dfi_casos.rights import retention


@click.group("retention", help="Conservación de datos: bloqueo y supresión al término de la vigencia documental.")
def retention_cli() -> None:
    pass


@retention_cli.command("run", help="Aplica la política de conservación (reanuda una ejecución interrumpida).")
@click.option("--dry-run", is_flag=True, help="Solo informa lo que haría; no cambia nada.")
@click.option("--batch", type=int, default=None, help="Personas por transacción.")
def run_command(dry_run: bool, batch: int | None) -> None:
    def progress(summary: retention.Summary) -> None:
        click.echo(f"… {summary.reviewed} personas revisadas; {summary.blocked} por bloquear/bloqueadas, "
                   f"{summary.suppressed} por suprimir/suprimidas", err=True)

    session = db.session
    summary = retention.run(session, current_app.config, dry_run=dry_run, batch_size=batch, progress=progress,
                            commit=None if dry_run else session.commit)
    if dry_run:
        session.rollback()
    if summary.resumed_from:
        click.echo(f"Ejecución reanudada después de la persona {summary.resumed_from}.")
    verb = "Se bloquearían" if dry_run else "Bloqueadas"
    click.echo(f"{'Simulación: ' if dry_run else ''}{summary.reviewed} personas revisadas. {verb}: {summary.blocked}. "
               f"{'Se suprimirían' if dry_run else 'Suprimidas'}: {summary.suppressed}.")
    for reason, count in sorted(summary.skipped.items()):
        click.echo(f"  Sin tocar ({reason}): {count}")
