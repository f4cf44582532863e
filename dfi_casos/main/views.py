"""The home page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from dfi_casos.cases.views import my_cases
from dfi_casos.security.access import Permission, has_permission

bp = Blueprint("main", __name__)


@bp.route("/")
def index() -> Any:
    # Caseworkers (case work without the whole territory) start from what needs their action: "Mis casos".
    if has_permission(current_user, Permission.VIEW_CASES) and not has_permission(current_user,
                                                                                    Permission.WHOLE_TERRITORY):
        return my_cases()
    return render_template("main/index.html", user=current_user)
