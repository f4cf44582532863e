"""The `dfi-casos` command: the Flask CLI with this app loaded, plus the project's commands."""
from __future__ import annotations

import sys

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import FlaskGroup

from dfi_casos import migrate
from dfi_casos.auth import services
from dfi_casos.backup_cli import backup_command, backup_key_command, restore_command
from dfi_casos.demo import DemoRefused, seed_demo
from dfi_casos.documents.cli import files_cli
from dfi_casos.extensions import db
from dfi_casos.imports.cli import imports_cli, jobs_cli
from dfi_casos.reports.cli import report_cli
from dfi_casos.rights.cli import retention_cli
from dfi_casos.security.access import ROLE_LABELS, Role, format_matrix
from dfi_casos.security.audit_cli import audit_cli
from dfi_casos.security.keys_cli import keys_cli


def main() -> None:
    """Entry point of the `dfi-casos` console script."""
    # cycle: the package's create_app registers these commands, so this module cannot import it at load time.
    from dfi_casos import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="dfi-casos: gestión de casos de DFI.")
    cli.add_command(keys_cli)  # also here: `keys generate --new-file` must work before any key exists
    cli.main(prog_name="dfi-casos")


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(roles_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(backup_key_command)
    app.cli.add_command(imports_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(retention_cli)


@click.group("db", help="Migraciones del esquema (Alembic).")
def db_cli() -> None:
    pass


@db_cli.command("upgrade", help="Aplica las migraciones hasta REVISION (head por omisión).")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    migrate.upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    click.echo(f"Esquema en {migrate.current(current_app._get_current_object())}.")  # type: ignore[attr-defined]


@db_cli.command("downgrade", help="Revierte las migraciones hasta REVISION (base para vaciar).")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    click.echo(f"Esquema en {migrate.current(current_app._get_current_object()) or 'base'}.")  # type: ignore[attr-defined]


@db_cli.command("revision", help="Crea una migración nueva comparando los modelos con la base.")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    command.revision(migrate.alembic_config(current_app._get_current_object()),  # type: ignore[attr-defined]
                     message=message, autogenerate=True)


@click.command("create-user", help="Crea una cuenta. La contraseña se lee sin eco, o de stdin con --password-stdin.")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--state", "states", multiple=True, help="Clave INEGI de entidad (repetible), p. ej. 12.")
@click.option("--national", is_flag=True, help="Alcance nacional.")
@click.option("--password-stdin", is_flag=True, help="Lee la contraseña de la entrada estándar.")
def create_user_command(username: str, full_name: str, email: str, role: str, states: tuple[str, ...],
                        national: bool, password_stdin: bool) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Contraseña", hide_input=True, confirmation_prompt="Repita la contraseña")
    data = services.AccountData(username=username, full_name=full_name, email=email, role=Role(role),
                                is_national=national, states=[s.zfill(2) for s in states], password=password)
    try:
        user = services.create_user(db.session, current_app.config, None, data)
        db.session.commit()
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Cuenta creada: {user.username} ({ROLE_LABELS[user.role]}).")


@click.command("seed-demo", help="Carga usuarios y datos de demostración (nunca en producción).")
@click.option("--if-empty", is_flag=True, help="Solo si la base no tiene cuentas todavía.")
def seed_demo_command(if_empty: bool) -> None:
    if if_empty and services.count_users(db.session) > 0:
        click.echo("La base ya tiene datos; no se cargó la demostración.")
        return
    try:
        summary = seed_demo(db.session, current_app.config)
        db.session.commit()
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)


@click.command("roles", help="Muestra la matriz de roles y permisos.")
def roles_command() -> None:
    click.echo(format_matrix())
