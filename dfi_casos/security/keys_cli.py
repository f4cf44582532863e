"""The `dfi-casos keys` commands: generate, activate, list, rotate and retire keys (docs/encryption.md)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from dfi_casos.database import Base
from dfi_casos.models import import_all_models
from dfi_casos.security import audit, crypto, rotation, tokens
from dfi_casos.security.crypto import BlindIndexKeys, KeyConfigError, KeyMaterial, KeyRing

keys_cli = AppGroup("keys", help="Claves de cifrado de campos y de índices ciegos.")


def _keys() -> KeyMaterial:
    material: KeyMaterial = current_app.extensions["dfi_keys"]
    return material


def _engine() -> Engine:
    engine: Engine = current_app.extensions["dfi_db"].engine
    return engine


def _models() -> Any:
    # The app's models unless told otherwise (tests walk their own declarative base).
    models = current_app.extensions.get("dfi_encrypted_models")
    if models is None:
        import_all_models()  # a model module never imported would be skipped by the rotation
        models = Base
    return models


def _tables() -> list[rotation.EncryptedTable]:
    return rotation.encrypted_tables(_models())


def _token_indexes() -> list[tokens.TokenIndex]:
    mapped = {mapper.class_ for mapper in _models().registry.mappers}
    return [index for index in tokens.all_token_indexes() if index.owner in mapped]


def _audit(action: str, object_id: str, details: dict[str, Any]) -> None:
    """Key changes are written down like any other work."""
    with Session(_engine()) as session:
        audit.record(session, action=action, object_type="clave", object_id=object_id, details=details)
        session.commit()


def _keyfile_or_env(material: KeyMaterial) -> Path | None:
    if material.keyfile is None:
        click.echo("Las claves vienen de variables de entorno: actualícelas con estos valores y reinicie.", err=True)
    return material.keyfile


@keys_cli.command("generate", with_appcontext=False)
@click.option("--new-file", type=click.Path(dir_okay=False, path_type=Path), help="Crear un archivo de claves nuevo.")
@click.option("--blind-index", is_flag=True, help="Nueva raíz de índices ciegos en lugar de una clave de campos.")
@click.option("--activate/--no-activate", default=True, help="Activar la clave nueva (por omisión, sí).")
@click.option("--expected-size", type=int, default=None, help="Tamaño esperado del registro (bits del índice).")
@click.pass_context
def generate(
    ctx: click.Context, new_file: Path | None, blind_index: bool, activate: bool, expected_size: int | None
) -> None:
    """Create key material: a new key file, a new field key, or a new blind-index root."""
    if new_file is not None:
        # Needs no application: this is how production gets its first keys.
        crypto.generate_keyfile(
            new_file, development=False, expected_size=expected_size or crypto.DEFAULT_REGISTRY_SIZE
        )
        click.echo(f"Archivo de claves creado: {new_file} (modo 0600). Defina DFI_KEYFILE={new_file}.")
        return
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        size = expected_size or int(app.config.get("EXPECTED_REGISTRY_SIZE") or crypto.DEFAULT_REGISTRY_SIZE)
        if blind_index:
            _generate_blind_root(crypto.index_bits_for(size))
        else:
            _generate_field_key(activate)


def _generate_field_key(activate: bool) -> None:
    material = _keys()
    path = _keyfile_or_env(material)
    if path is not None:
        key_id = crypto.add_field_key(path, activate=activate)
    else:
        key_id = max(material.ring.keys) + 1
        keys = {**material.ring.keys, key_id: crypto.new_key()}
        ring = KeyRing(keys, key_id if activate else material.ring.active_key_id)
        click.echo("\n".join(crypto.env_lines_for(dataclasses.replace(material, ring=ring))))
    _audit("key_generate", str(key_id), {"active": activate})
    state = "activa" if activate else "inactiva (actívela con `keys activate`)"
    click.echo(f"Clave {key_id} creada, {state}. Reinicie todos los procesos y luego ejecute `dfi-casos keys rotate`.")


def _generate_blind_root(bits: int) -> None:
    material = _keys()
    if material.blind.rebuild_pending:
        raise click.ClickException("Ya hay una reconstrucción de índices ciegos pendiente: termínela antes.")
    path = _keyfile_or_env(material)
    if path is not None:
        crypto.start_blind_index_rotation(path, bits)
    else:
        blind = BlindIndexKeys(crypto.new_key(), bits, material.blind.root, material.blind.bits)
        click.echo("\n".join(crypto.env_lines_for(dataclasses.replace(material, blind=blind))))
    _audit("key_generate", "indice-ciego", {"bits": bits})
    click.echo(
        "Nueva raíz de índices ciegos creada; la anterior se sigue consultando. Reinicie todos los procesos "
        "y luego ejecute `dfi-casos keys rotate` para reconstruir los índices."
    )


@keys_cli.command("activate")
@click.argument("key_id", type=int)
def activate(key_id: int) -> None:
    """Make an existing field key the one new values are encrypted under."""
    material = _keys()
    if key_id not in material.ring.keys:
        raise click.ClickException(f"La clave {key_id} no existe.")
    path = _keyfile_or_env(material)
    if path is not None:
        crypto.activate_field_key(path, key_id)
    else:
        ring = KeyRing(material.ring.keys, key_id)
        click.echo("\n".join(crypto.env_lines_for(dataclasses.replace(material, ring=ring))))
    _audit("key_activate", str(key_id), {})
    click.echo(f"Clave {key_id} activa. Reinicie todos los procesos y luego ejecute `dfi-casos keys rotate`.")


@keys_cli.command("list")
def list_keys() -> None:
    """Show each key, whether it is active, and how many stored values it still protects."""
    material, tables = _keys(), _tables()
    with _engine().connect() as connection:
        usage = rotation.key_usage(connection, tables)
    click.echo(f"Origen de las claves: {material.source}")
    click.echo(f"{'Clave':>6}  {'Huella':12}  {'Estado':11}  {'Valores':>10}")
    for key_id in sorted(set(material.ring.keys) | set(usage)):
        if key_id not in material.ring.keys:
            state, mark = "DESCONOCIDA", "-" * 12
        else:
            state = "activa" if key_id == material.ring.active_key_id else "anterior"
            mark = crypto.fingerprint(material.ring.keys[key_id])
        click.echo(f"{key_id:>6}  {mark:12}  {state:11}  {usage.get(key_id, 0):>10}")
    blind = material.blind
    click.echo(f"Índices ciegos: raíz {crypto.fingerprint(blind.root)}, {blind.bits} bits.")
    if blind.previous_root is not None:
        previous = crypto.fingerprint(blind.previous_root)
        click.echo(f"Reconstrucción pendiente: la raíz anterior {previous} sigue en uso.")
    if set(usage) - set(material.ring.keys):
        raise click.ClickException("Hay valores cifrados con claves que este proceso no tiene.")


@keys_cli.command("rotate")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option(
    "--indexes/--no-indexes", default=None, help="Reconstruir los índices ciegos (por omisión: si hay raíz anterior)."
)
def rotate(batch_size: int, indexes: bool | None) -> None:
    """Re-encrypt every value under the active key, then rebuild blind indexes if a new root is pending.

    Safe while the application serves; interrupted, run it again: it continues where it stopped.
    """
    material, tables, engine = _keys(), _tables(), _engine()
    with engine.connect() as connection:
        pending = rotation.pending_rotation(connection, tables, material.ring.active_key_id)
    with click.progressbar(length=pending, label=f"Re-cifrando con la clave {material.ring.active_key_id}") as bar:
        fields = rotation.rotate_fields(engine, material, tables, batch_size, bar.update)
    click.echo(f"{fields.rewritten} filas re-cifradas; {fields.conflicts} cambiadas a la vez por la aplicación.")
    _audit("key_rotation", str(material.ring.active_key_id), _counts(fields))
    failures = fields.failures
    if indexes or (indexes is None and material.blind.rebuild_pending):
        with engine.connect() as connection:
            total = rotation.total_rows(connection, tables, with_indexes=True)
        with click.progressbar(length=total, label="Reconstruyendo índices ciegos") as bar:
            rebuilt = rotation.rebuild_blind_indexes(engine, material, tables, batch_size, bar.update)
        click.echo(f"{rebuilt.rewritten} filas con índices reconstruidos.")
        _audit("blind_index_rebuild", "indice-ciego", _counts(rebuilt))
        failures += rebuilt.failures
        with click.progressbar(length=_token_owner_rows(), label="Reconstruyendo índices de fragmentos") as bar:
            rebuilt = tokens.rebuild_token_indexes(engine, material, _token_indexes(), batch_size, bar.update)
        click.echo(f"{rebuilt.rewritten} registros con índices de fragmentos (nombres) reconstruidos.")
        _audit("blind_index_rebuild", "indice-fragmentos", _counts(rebuilt))
        failures += rebuilt.failures
    _report_failures(failures)


def _token_owner_rows() -> int:
    with _engine().connect() as connection:
        return sum(int(connection.execute(select(func.count()).select_from(index.owner)).scalar_one())
                   for index in _token_indexes())


def _counts(result: rotation.RunResult) -> dict[str, int]:
    # Counts only: the audit trail names no record contents.
    return {"rewritten": result.rewritten, "conflicts": result.conflicts, "failed": result.failed}


def _report_failures(failures: list[str]) -> None:
    if failures:
        for line in failures[:50]:
            click.echo(f"  no se pudo descifrar: {line}", err=True)
        raise click.ClickException(f"{len(failures)} valores no se pudieron descifrar; se dejaron como estaban.")


@keys_cli.command("retire")
@click.argument("key_id", type=int, required=False)
@click.option("--blind-index", is_flag=True, help="Retirar la raíz anterior de índices ciegos.")
def retire(key_id: int | None, blind_index: bool) -> None:
    """Remove a field key nothing uses any more (or the previous blind-index root once rebuilt)."""
    if blind_index:
        _retire_blind_root()
    elif key_id is None:
        raise click.UsageError("Indique la clave a retirar o --blind-index.")
    else:
        _retire_field_key(key_id)


def _retire_field_key(key_id: int) -> None:
    material, tables = _keys(), _tables()
    if key_id == material.ring.active_key_id:
        raise click.ClickException(f"La clave {key_id} es la activa: no se puede retirar.")
    if key_id not in material.ring.keys:
        raise click.ClickException(f"La clave {key_id} no existe.")
    with _engine().connect() as connection:
        unmapped = rotation.unmapped_encrypted_columns(connection, tables)
        in_use = rotation.key_usage(connection, tables).get(key_id, 0)
    if unmapped:
        raise click.ClickException(f"Columnas cifradas sin modelo cargado: {', '.join(unmapped)}; no se retira nada.")
    if in_use:
        raise click.ClickException(f"La clave {key_id} aún protege {in_use} valores: ejecute `keys rotate` antes.")
    path = _keyfile_or_env(material)
    if path is not None:
        try:
            crypto.remove_field_key(path, key_id)
        except KeyConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    else:
        keys = {k: v for k, v in material.ring.keys.items() if k != key_id}
        ring = KeyRing(keys, material.ring.active_key_id)
        click.echo("\n".join(crypto.env_lines_for(dataclasses.replace(material, ring=ring))))
    _audit("key_retire", str(key_id), {})
    click.echo(f"Clave {key_id} retirada. Reinicie los procesos; destruya las copias de respaldo de esa clave.")


def _retire_blind_root() -> None:
    material, tables, engine = _keys(), _tables(), _engine()
    if not material.blind.rebuild_pending:
        raise click.ClickException("No hay raíz anterior de índices ciegos que retirar.")
    with engine.connect() as connection:
        total = rotation.total_rows(connection, tables, with_indexes=True)
    with click.progressbar(length=total, label="Verificando índices ciegos") as bar:
        check = rotation.rebuild_blind_indexes(engine, material, tables, progress=bar.update, dry_run=True)
    with click.progressbar(length=_token_owner_rows(), label="Verificando índices de fragmentos") as bar:
        token_check = tokens.rebuild_token_indexes(engine, material, _token_indexes(), progress=bar.update,
                                                   dry_run=True)
    check.rewritten += token_check.rewritten
    check.failures += token_check.failures
    if check.rewritten or check.failed:
        raise click.ClickException(
            f"{check.rewritten} filas aún tienen índices de la raíz anterior: ejecute `keys rotate --indexes`."
        )
    path = _keyfile_or_env(material)
    if path is not None:
        crypto.finish_blind_index_rotation(path)
    else:
        blind = BlindIndexKeys(material.blind.root, material.blind.bits)
        click.echo("\n".join(crypto.env_lines_for(dataclasses.replace(material, blind=blind))))
    _audit("key_retire", "indice-ciego", {})
    click.echo("Raíz anterior de índices ciegos retirada. Reinicie los procesos.")
