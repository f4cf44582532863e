"""Demo data for trying the system: accounts of every role, and (as features land) records."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dfi_casos.auth import mfa, services
from dfi_casos.cases.demo import seed_cases
from dfi_casos.registry.demo import seed_registry
from dfi_casos.rights.demo import seed_rights
from dfi_casos.security.access import Role
from dfi_casos.solutions.demo import seed_assessments

#: One password for every demo account; listed in the README and on the demo login page.
DEMO_PASSWORD = "demostracion-2026"  # noqa: S105 - public by design, refused in production
#: The TOTP seed of the demo accounts whose role requires a second factor (README, demo login page).
#: Public like the password: seed-demo never runs under the production configuration.
DEMO_TOTP_SECRET = "DFICASOSDEMOTOTPDFICASOSDEMOTOTP"  # noqa: S105

GUERRERO, CHIAPAS = "12", "07"

#: (username, full name, role, states or None for national)
DEMO_USERS: tuple[tuple[str, str, Role, list[str] | None], ...] = (
    ("capturista.gro", "Rosa Martínez (capturista, Guerrero)", Role.CASEWORKER, [GUERRERO]),
    ("supervisora.gro", "Laura Hernández (supervisora, Guerrero)", Role.SUPERVISOR, [GUERRERO]),
    ("supervisor2.gro", "Jorge Salgado (supervisor, Guerrero)", Role.SUPERVISOR, [GUERRERO]),
    ("auditor.gro", "Miguel Torres (auditor, Guerrero)", Role.AUDITOR, [GUERRERO]),
    ("admin.gro", "Ana López (administradora, Guerrero)", Role.ADMINISTRATOR, [GUERRERO]),
    ("capturista.chis", "Pedro Gómez (capturista, Chiapas)", Role.CASEWORKER, [CHIAPAS]),
    ("supervisora.chis", "María Pérez (supervisora, Chiapas)", Role.SUPERVISOR, [CHIAPAS]),
    ("auditora.chis", "Sofía Ruiz (auditora, Chiapas)", Role.AUDITOR, [CHIAPAS]),
    ("admin.chis", "Luis Díaz (administrador, Chiapas)", Role.ADMINISTRATOR, [CHIAPAS]),
    ("supervisora.nacional", "Carmen Vázquez (supervisora nacional)", Role.SUPERVISOR, None),
    ("enlace.gro", "Teresa Ocampo (enlace de transparencia, Guerrero)", Role.TRANSPARENCY, [GUERRERO]),
)


class DemoRefused(RuntimeError):
    """Demo data is never loaded under the production configuration."""


def seed_demo(session: Session, config: Any) -> str:
    """Create the demo accounts (and records) that are missing; running it twice changes nothing."""
    if config.get("ENV_NAME") == "production":
        raise DemoRefused("seed-demo no se ejecuta con la configuración de producción.")
    created = 0
    for username, full_name, role, states in DEMO_USERS:
        if services.find_user(session, username) is not None:
            continue
        user = services.create_user(session, config, None, services.AccountData(
            username=username, full_name=full_name, email=f"{username}@demo.dfi.gob.mx", role=role,
            is_national=states is None, states=states or [], password=DEMO_PASSWORD,
        ))
        if mfa.required_for(config, user):
            mfa.enrol_with_secret(session, user, DEMO_TOTP_SECRET)
        created += 1
    session.flush()
    registry = seed_registry(session, config)
    opened = seed_cases(session, config)
    assessed = seed_assessments(session, config)
    rights = seed_rights(session, config)
    return (f"Datos de demostración: {created} cuentas nuevas ({len(DEMO_USERS)} en total); {registry}; {opened}; "
            f"{assessed}; {rights}.")
