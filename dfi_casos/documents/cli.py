"""The `dfi-casos files` commands: verify the encrypted files store against the database."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from dfi_casos.documents.services import current_storage
from dfi_casos.documents.verify import count_versions, verify_files
from dfi_casos.extensions import db
from dfi_casos.security import audit
from dfi_casos.security.audit import Action

files_cli = AppGroup("files", help="Archivos de documentos cifrados.")


@files_cli.command("verify")
@click.option("--batch-size", type=int, default=200, show_default=True)
def verify(batch_size: int) -> None:
    """Decrypt every stored file, check its hash, and report orphans both ways (exit 1 on any problem)."""
    session = db.session
    store = current_storage()
    with click.progressbar(length=count_versions(session), label="Verificando archivos") as bar:
        result = verify_files(session, store, batch_size, bar.update)
    click.echo(f"{result.checked} archivos verificados: {len(result.missing)} faltantes, "
               f"{len(result.corrupt)} que no descifran o no coinciden, {len(result.orphans)} huérfanos.")
    for line in [*result.missing, *result.corrupt, *result.orphans]:
        click.echo(f"  {line}")
    audit.record(session, action=Action.FILES_VERIFY, object_type="archivos", object_id=None,
                 details={"checked": result.checked, "missing": len(result.missing), "corrupt": len(result.corrupt),
                          "orphans": len(result.orphans)}, outcome="ok" if result.ok else "failed")
    session.commit()
    if not result.ok:
        raise SystemExit(1)
