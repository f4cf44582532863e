"""`dfi-casos imports form|template` and `dfi-casos jobs work`: the field form, the template, the import worker."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app

from dfi_casos.extensions import db
from dfi_casos.imports.jobs import work_on
from dfi_casos.imports.template import template_xlsx
from dfi_casos.imports.xlsform import shipped_form_path, write_form


@click.group("imports", help="Formulario de campo (XLSForm) y plantilla de importación.")
def imports_cli() -> None:
    pass


@imports_cli.command("form", help="Genera el XLSForm para KoboToolbox / ODK desde el modelo y los catálogos.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archivo de salida (por omisión, el que se distribuye con el paquete).")
def form_command(output: Path | None) -> None:
    target = output or shipped_form_path()
    write_form(target, current_app.extensions["municipalities"])
    click.echo(f"Formulario escrito en {target}.")


@imports_cli.command("template", help="Escribe la plantilla de importación (XLSX con listas de validación).")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def template_command(output: Path) -> None:
    output.write_bytes(template_xlsx(current_app.extensions["municipalities"]))
    click.echo(f"Plantilla escrita en {output}.")


@click.group("jobs", help="Trabajos en segundo plano (importaciones).")
def jobs_cli() -> None:
    pass


@jobs_cli.command("work", help="Atiende importaciones en cola o abandonadas; con --once termina al vaciarse la cola.")
@click.option("--once", is_flag=True, help="Sale cuando no queda nada por hacer.")
@click.option("--interval", default=2.0, show_default=True, help="Segundos entre revisiones de la cola.")
def work_command(once: bool, interval: float) -> None:
    while True:
        worked = work_on(db.session)
        db.session.remove()
        if worked:
            click.echo("Importación terminada.")
            continue
        if once:
            return
        time.sleep(interval)
