"""A baseline page for the load benchmark: a 50-row table with no decryption and no audit.

Registered only when BENCH_ROUTES is on (bench/load.sh sets it); never in a normal deployment.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

bp = Blueprint("bench", __name__, url_prefix="/bench")

ROWS = [{"folio": f"DFI-BEN-2026-{n:06d}", "state": "Guerrero", "stage": "Asistencia", "opened": "2026-01-15"}
        for n in range(1, 51)]


@bp.route("/plain")
def plain() -> Any:
    return render_template("bench/plain.html", rows=ROWS)
