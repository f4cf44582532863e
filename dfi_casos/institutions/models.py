"""The `institution` table (the catalog cases refer to) and the seed list it starts from."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dfi_casos.database import Base


class Institution(Base):
    """An institution cases refer to; administrators edit the list."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stable slug, never reused for another institution.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None: national (any administrator edits it); a state key: a body of that state, edited by its administrators.
    state_code: Mapped[str | None] = mapped_column(String(2), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


@dataclass(frozen=True)
class InstitutionSeed:
    #: stable slug; records refer to it, so it is never reused for another institution
    code: str
    name: str


DEFAULT_INSTITUTIONS: tuple[InstitutionSeed, ...] = (
    InstitutionSeed("ceav", "Comisión Ejecutiva de Atención a Víctimas (CEAV)"),
    InstitutionSeed("state_victims_commission", "Comisión estatal de atención a víctimas"),
    InstitutionSeed("sndif", "Sistema Nacional para el Desarrollo Integral de la Familia (SNDIF)"),
    InstitutionSeed("state_dif", "Sistema estatal DIF"),
    InstitutionSeed("municipal_dif", "Sistema municipal DIF"),
    InstitutionSeed("salud", "Secretaría de Salud"),
    InstitutionSeed("imss_bienestar", "IMSS-Bienestar"),
    InstitutionSeed("sep", "Secretaría de Educación Pública (SEP)"),
    InstitutionSeed("renapo", "Registro Nacional de Población (RENAPO)"),
    InstitutionSeed("ine", "Instituto Nacional Electoral (INE)"),
    InstitutionSeed("inpi", "Instituto Nacional de los Pueblos Indígenas (INPI)"),
    InstitutionSeed("cndh", "Comisión Nacional de los Derechos Humanos (CNDH)"),
    InstitutionSeed("state_human_rights_commission", "Comisión estatal de derechos humanos"),
    InstitutionSeed("fgr", "Fiscalía General de la República (FGR)"),
    InstitutionSeed("state_prosecutor", "Fiscalía General del Estado"),
    InstitutionSeed("bienestar", "Secretaría de Bienestar"),
    InstitutionSeed("sedatu", "Secretaría de Desarrollo Agrario, Territorial y Urbano (SEDATU)"),
    InstitutionSeed("insus", "Instituto Nacional del Suelo Sustentable (INSUS)"),
    InstitutionSeed("procuraduria_agraria", "Procuraduría Agraria (PA)"),
    InstitutionSeed("ran", "Registro Agrario Nacional (RAN)"),
    InstitutionSeed("stps", "Secretaría del Trabajo y Previsión Social (STPS)"),
    InstitutionSeed("municipal_government", "Gobierno municipal"),
    InstitutionSeed("acnur", "Alto Comisionado de las Naciones Unidas para los Refugiados (ACNUR)"),
    InstitutionSeed("oim", "Organización Internacional para las Migraciones (OIM)"),
    InstitutionSeed("cicr", "Comité Internacional de la Cruz Roja (CICR)"),
    InstitutionSeed("civil_society", "Organización de la sociedad civil"),
)
