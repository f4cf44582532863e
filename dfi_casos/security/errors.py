"""The Spanish error page for a value that does not decrypt (logged by crypto, never shown)."""
from __future__ import annotations

from flask import Flask, render_template, render_template_string
from jinja2 import TemplateNotFound

from dfi_casos.security.crypto import DecryptionError

_PAGE = """<!doctype html>
<html lang="es">
<head><meta charset="utf-8"><title>No se pudo mostrar el registro</title></head>
<body>
<main>
<h1>No se pudo mostrar la información protegida de este registro</h1>
<p>Los datos cifrados no pasaron la verificación de integridad, o falta la clave para leerlos.
Por seguridad no se muestra nada en su lugar.</p>
<p>El incidente quedó registrado. Avise a la persona administradora del sistema e indique la
hora y la página que intentaba abrir.</p>
<p><a href="/">Volver al inicio</a></p>
</main>
</body>
</html>
"""


def register_error_handlers(app: Flask) -> None:
    """Turn DecryptionError into a 500 Spanish page: never garbage, never an empty field."""

    @app.errorhandler(DecryptionError)
    def _decryption_failed(_error: DecryptionError) -> tuple[str, int]:
        # Already logged (table, column, record id) where it was raised; nothing of it goes to the page.
        try:
            return render_template("errors/decryption.html"), 500
        except TemplateNotFound:
            return render_template_string(_PAGE), 500
