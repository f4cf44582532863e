"""The home page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from dfi_casos.auth.models import Role

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    # Caseworkers start from what needs their action: their home is "Mis casos".
    if current_user.role == Role.CASEWORKER:
        from dfi_casos.cases.views import my_cases

        return my_cases()
    return render_template("main/index.html", user=current_user)
