"""The home page: what each role does next."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from dfi_casos.cases import lists, plans, reopening, transfers
from dfi_casos.cases.forms import ApprovalDecisionForm
from dfi_casos.cases.views import idle_days, my_cases
from dfi_casos.extensions import db
from dfi_casos.main import home
from dfi_casos.rights import pages as rights_pages
from dfi_casos.security import audit
from dfi_casos.security.access import Permission, has_permission
from dfi_casos.security.audit import ACTION_LABELS, Action

bp = Blueprint("main", __name__)


def dormant_days() -> int:
    """Days without login after which an account is listed as dormant (ACCOUNT_DORMANT_DAYS)."""
    return int(current_app.config["ACCOUNT_DORMANT_DAYS"])


@bp.route("/")
def index() -> Any:
    # Caseworkers (case work without the whole territory) start from what needs their action: "Mis casos".
    if has_permission(current_user, Permission.VIEW_CASES) and not has_permission(current_user,
                                                                                    Permission.WHOLE_TERRITORY):
        return my_cases()
    if has_permission(current_user, Permission.APPROVE_STAGE_CHANGE):
        data = home.supervisor_home(db.session, current_user, idle_days=idle_days())
        reopenings = reopening.reopenings_to_decide(db.session, current_user)
        return render_template("main/supervisor.html", home=data, idle_days=idle_days(),
                               reopenings=lists.case_rows(db.session, current_user, reopenings),
                               transfers_to_answer=transfers.to_answer_count(db.session, current_user),
                               overdue_actions=plans.overdue_actions(db.session, current_user, mine_only=False,
                                                                     limit=home.HOME_LIMIT),
                               decision_form=ApprovalDecisionForm(prefix="aprobacion", formdata=None))
    if has_permission(current_user, Permission.VIEW_AUDIT):
        data = home.auditor_home(db.session, current_user)
        # Auditors are audited too: the entry names the page and how many entries it showed.
        audit.record(db.session, action=Action.AUDIT_VIEW, actor=current_user,
                     details={"page": "home", "count": len(data.denials) + len(data.exports)})
        return render_template("main/auditor.html", home=data, action_labels=ACTION_LABELS)
    # The transparency liaison (and administrators) see the ARCO requests close to their deadline.
    arco_near = (rights_pages.near_deadline(db.session, current_user, current_app.config)
                 if has_permission(current_user, Permission.MANAGE_ARCO) else None)
    if has_permission(current_user, Permission.MANAGE_USERS):
        return render_template("main/administrator.html",
                               accounts=home.accounts_to_review(db.session, current_user, dormant_days()),
                               dormant_days=dormant_days(), arco_near=arco_near)
    return render_template("main/index.html", user=current_user, arco_near=arco_near)
