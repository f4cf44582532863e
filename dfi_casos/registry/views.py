"""Registry pages: registration, view, edit, lists and search of persons, households, events, communities."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registro")
