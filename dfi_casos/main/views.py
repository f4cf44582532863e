"""The home page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    return render_template("main/index.html", user=current_user)
