"""The 32 states with their INEGI and CURP codes, and the INEGI municipality catalog."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


class CatalogError(ValueError):
    """A catalog file is missing or malformed; the message is the Spanish reason."""


@dataclass(frozen=True)
class State:
    """An entidad federativa."""

    #: INEGI's 2-digit key, "01".."32"
    inegi_code: str
    #: official name as INEGI lists it
    name: str
    #: the two letters a CURP uses for the state of birth
    curp_code: str
    #: INEGI's abbreviation in capitals without dots or spaces ("Q. Roo" -> "QROO"); used in folios
    abbreviation: str


# INEGI's Catálogo Único de Claves de Áreas Geoestadísticas gives the keys, names and
# abbreviations; RENAPO gives the CURP codes.
STATES: tuple[State, ...] = (
    State("01", "Aguascalientes", "AS", "AGS"),
    State("02", "Baja California", "BC", "BC"),
    State("03", "Baja California Sur", "BS", "BCS"),
    State("04", "Campeche", "CC", "CAMP"),
    State("05", "Coahuila de Zaragoza", "CL", "COAH"),
    State("06", "Colima", "CM", "COL"),
    State("07", "Chiapas", "CS", "CHIS"),
    State("08", "Chihuahua", "CH", "CHIH"),
    State("09", "Ciudad de México", "DF", "CDMX"),
    State("10", "Durango", "DG", "DGO"),
    State("11", "Guanajuato", "GT", "GTO"),
    State("12", "Guerrero", "GR", "GRO"),
    State("13", "Hidalgo", "HG", "HGO"),
    State("14", "Jalisco", "JC", "JAL"),
    State("15", "México", "MC", "MEX"),
    State("16", "Michoacán de Ocampo", "MN", "MICH"),
    State("17", "Morelos", "MS", "MOR"),
    State("18", "Nayarit", "NT", "NAY"),
    State("19", "Nuevo León", "NL", "NL"),
    State("20", "Oaxaca", "OC", "OAX"),
    State("21", "Puebla", "PL", "PUE"),
    State("22", "Querétaro", "QT", "QRO"),
    State("23", "Quintana Roo", "QR", "QROO"),
    State("24", "San Luis Potosí", "SP", "SLP"),
    State("25", "Sinaloa", "SL", "SIN"),
    State("26", "Sonora", "SR", "SON"),
    State("27", "Tabasco", "TC", "TAB"),
    State("28", "Tamaulipas", "TS", "TAMPS"),
    State("29", "Tlaxcala", "TL", "TLAX"),
    State("30", "Veracruz de Ignacio de la Llave", "VZ", "VER"),
    State("31", "Yucatán", "YN", "YUC"),
    State("32", "Zacatecas", "ZS", "ZAC"),
)

#: CURP state code of a person born outside Mexico (nacido en el extranjero)
BORN_ABROAD_CURP_CODE = "NE"

#: every state code a CURP may carry
CURP_STATE_CODES: frozenset[str] = frozenset({s.curp_code for s in STATES} | {BORN_ABROAD_CURP_CODE})

#: (inegi_code, name) for select fields, in INEGI order
STATE_CHOICES: list[tuple[str, str]] = [(s.inegi_code, s.name) for s in STATES]

_STATES_BY_CODE = {s.inegi_code: s for s in STATES}
_STATES_BY_CURP_CODE = {s.curp_code: s for s in STATES}


def state_by_code(inegi_code: str) -> State | None:
    """The state with this INEGI key ("01".."32"), or None."""
    return _STATES_BY_CODE.get(inegi_code)


def state_by_curp_code(curp_code: str) -> State | None:
    """The state with this CURP code, or None (also for NE, which is no state)."""
    return _STATES_BY_CURP_CODE.get(curp_code.upper())


def spanish_sort_key(text: str) -> str:
    """A sort key that ignores case, accents and punctuation and puts ñ after n, as Spanish dictionaries do."""
    # "{" sorts right after "z", so "ñ" lands after every "n" + letter and before "o"
    folded = text.casefold().replace("ñ", "n{")
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(ch for ch in decomposed if ch.isalnum() or ch in " {")


@dataclass(frozen=True)
class Municipality:
    """A municipio (or an alcaldía of Mexico City)."""

    #: INEGI cve_geo: state key + municipality key, 5 digits
    code: str
    #: INEGI state key, 2 digits
    state_code: str
    name: str


class MunicipalityCatalog:
    """The municipalities of one INEGI edition, indexed by code and by state."""

    def __init__(self, municipalities: list[Municipality]) -> None:
        self._by_code = {m.code: m for m in municipalities}
        self._by_state: dict[str, list[Municipality]] = {}
        for municipality in sorted(municipalities, key=lambda m: spanish_sort_key(m.name)):
            self._by_state.setdefault(municipality.state_code, []).append(municipality)

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def by_state(self, state_code: str) -> list[Municipality]:
        """The state's municipalities sorted by name; empty for an unknown state."""
        return list(self._by_state.get(state_code, []))

    def choices(self, state_code: str) -> list[tuple[str, str]]:
        """(code, name) pairs of the state's municipalities, for a select field."""
        return [(m.code, m.name) for m in self.by_state(state_code)]

    def get(self, code: str) -> Municipality | None:
        return self._by_code.get(code)

    def name(self, code: str) -> str:
        """The municipality's name; KeyError for an unknown code."""
        return self._by_code[code].name

    def belongs_to(self, code: str, state_code: str) -> bool:
        """Whether the municipality exists and lies in the state (a form must not pair them freely)."""
        municipality = self._by_code.get(code)
        return municipality is not None and municipality.state_code == state_code


MUNICIPALITY_COLUMNS = ("cve_geo", "nombre_estado", "cve_ent", "nombre_municipio", "cve_mun")

# ASCII digits only: str.isdigit() would also accept other scripts' digits
_FIVE_DIGITS = re.compile(r"[0-9]{5}")


def packaged_municipalities_path() -> Path:
    """The INEGI edition shipped with the package (see data/README.md)."""
    return Path(str(resources.files("dfi_casos.catalogs") / "data" / "inegi_municipios.csv"))


def load_municipalities(path: str | Path | None = None) -> MunicipalityCatalog:
    """Read and check a municipality CSV (the packaged edition by default).

    Raises CatalogError naming the line at the first bad row, so an administrator can fix a newer
    INEGI edition before the application uses it.
    """
    source = Path(path) if path is not None else packaged_municipalities_path()
    try:
        # utf-8-sig: a file saved from a spreadsheet often starts with a byte-order mark
        with source.open(encoding="utf-8-sig", newline="") as handle:
            municipalities = _read_municipalities(csv.DictReader(handle), source)
    except FileNotFoundError as exc:
        raise CatalogError(f"No se encontró el archivo de municipios: {source}.") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"El archivo de municipios {source} no está codificado en UTF-8.") from exc
    _check_every_state_present(municipalities, source)
    return MunicipalityCatalog(municipalities)


def _read_municipalities(reader: csv.DictReader[str], source: Path) -> list[Municipality]:
    missing = [column for column in MUNICIPALITY_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise CatalogError(f"El archivo de municipios {source} no tiene las columnas: {', '.join(missing)}.")
    municipalities: list[Municipality] = []
    seen: set[str] = set()
    for row in reader:
        problem = _row_problem(row, seen)
        if problem:
            raise CatalogError(f"Archivo de municipios {source}, línea {reader.line_num}: {problem}")
        code = row["cve_geo"].strip()
        seen.add(code)
        municipalities.append(Municipality(code, code[:2], row["nombre_municipio"].strip()))
    return municipalities


def _row_problem(row: dict[str, str], seen: set[str]) -> str | None:
    """The Spanish description of what is wrong with one CSV row, or None."""
    if any(row.get(column) is None for column in MUNICIPALITY_COLUMNS):
        return "faltan campos en la fila."
    code, state, municipal = (row[c].strip() for c in ("cve_geo", "cve_ent", "cve_mun"))
    if not _FIVE_DIGITS.fullmatch(code):
        return f"la clave cve_geo debe tener 5 dígitos; tiene «{code}»."
    if state != code[:2]:
        return f"la clave de entidad cve_ent «{state}» no coincide con cve_geo «{code}»."
    if municipal != code[2:]:
        return f"la clave de municipio cve_mun «{municipal}» no coincide con cve_geo «{code}»."
    if state not in _STATES_BY_CODE:
        return f"la clave de entidad «{state}» no es ninguna de las 32 entidades."
    if not row["nombre_municipio"].strip():
        return f"el municipio {code} no tiene nombre."
    if code in seen:
        return f"la clave {code} está repetida."
    return None


def _check_every_state_present(municipalities: list[Municipality], source: Path) -> None:
    # a truncated export would otherwise silently hide whole states from the forms
    present = {m.state_code for m in municipalities}
    absent = [s.name for s in STATES if s.inegi_code not in present]
    if absent:
        raise CatalogError(f"El archivo de municipios {source} no tiene municipios de: {', '.join(absent)}.")
