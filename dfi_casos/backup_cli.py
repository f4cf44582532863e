"""`dfi-casos backup`, `restore` and `backup-key`: encrypted archives of the database and the files store."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from dfi_casos.backup import BackupError, backup_key, generate_backup_key, make_backup, restore_backup
from dfi_casos.extensions import db
from dfi_casos.security.audit import chain_head

_KEY_OPTION = click.option("--key-file", type=click.Path(exists=True, dir_okay=False),
                           help="Clave de respaldo (por omisión DFI_BACKUP_KEYFILE o DFI_BACKUP_KEY).")


@click.command("backup", help="Escribe un respaldo cifrado y verificable de la base y del almacén de archivos. "
                              "Nunca incluye las claves de la aplicación.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--head-output", type=click.Path(dir_okay=False, path_type=Path),
              help="Guarda además la cabeza de la bitácora en este archivo (para `audit verify --head`).")
@_KEY_OPTION
@with_appcontext
def backup_command(output: Path, head_output: Path | None, key_file: str | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        head = chain_head(db.session())
        db.session.rollback()  # nothing held open while pg_dump takes its snapshot
        summary = make_backup(app, output, backup_key(app, key_file), json.loads(head.to_json()))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if head_output:
        head_output.write_text(head.to_json() + "\n", encoding="utf-8")
    click.echo(f"Respaldo escrito: {summary.path} ({summary.members} partes, {summary.size} bytes); "
               f"cabeza de la bitácora {head.seq} {head.mac}.")


@click.command("restore", help="Restaura un respaldo en una base VACÍA (y un almacén de archivos vacío), "
                               "verificando antes su integridad.")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_KEY_OPTION
@with_appcontext
def restore_command(archive: Path, key_file: str | None) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        manifest = restore_backup(app, db.engine, archive, backup_key(app, key_file))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    head = manifest.get("audit_head") or {}
    click.echo(f"Respaldo del {manifest['created_at']} restaurado ({len(manifest['members'])} partes). "
               f"Cabeza de la bitácora al respaldar: {head.get('seq')} {head.get('mac')}. "
               "Verifique con `dfi-casos audit verify --head` y la cabeza guardada.")


@click.command("backup-key", help="Crea una clave de respaldo nueva en ARCHIVO (permisos 0600).")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_key_command(path: Path) -> None:
    try:
        generate_backup_key(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Clave de respaldo escrita en {path}. Guárdela aparte de los respaldos y de las claves.")
