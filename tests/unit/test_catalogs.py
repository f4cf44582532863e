"""The reference catalogs: states, INEGI municipalities, INALI languages, enumerations, institutions."""
from __future__ import annotations

from pathlib import Path

import pytest

from dfi_casos.catalogs import enums
from dfi_casos.catalogs.enums import STAGE_ORDER, LabeledEnum, RegisteredSex, Stage, choices
from dfi_casos.catalogs.geography import (
    CURP_STATE_CODES,
    STATE_CHOICES,
    STATES,
    CatalogError,
    MunicipalityCatalog,
    load_municipalities,
    packaged_municipalities_path,
    spanish_sort_key,
    state_by_code,
    state_by_curp_code,
)
from dfi_casos.catalogs.languages import indigenous_languages, language_choices, language_name
from dfi_casos.institutions.models import DEFAULT_INSTITUTIONS

HEADER = "cve_geo,nombre_estado,cve_ent,nombre_municipio,cve_mun\n"


@pytest.fixture(scope="module")
def catalog() -> MunicipalityCatalog:
    return load_municipalities()


def packaged_lines() -> list[str]:
    return packaged_municipalities_path().read_text(encoding="utf-8").splitlines(keepends=True)


def write_csv(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "municipios.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


# --- states -------------------------------------------------------------------------------

def test_there_are_32_states_with_inegi_codes_01_to_32() -> None:
    assert [s.inegi_code for s in STATES] == [f"{n:02d}" for n in range(1, 33)]


def test_state_codes_and_abbreviations_are_unique() -> None:
    assert len({s.curp_code for s in STATES}) == 32
    assert len({s.abbreviation for s in STATES}) == 32
    assert len({s.name for s in STATES}) == 32


def test_curp_codes_follow_the_renapo_list() -> None:
    assert state_by_code("09").curp_code == "DF"  # type: ignore[union-attr]
    assert state_by_code("15").curp_code == "MC"  # type: ignore[union-attr]
    assert state_by_code("30").curp_code == "VZ"  # type: ignore[union-attr]
    assert state_by_curp_code("gr").name == "Guerrero"  # type: ignore[union-attr]
    assert state_by_curp_code("CS").abbreviation == "CHIS"  # type: ignore[union-attr]


def test_born_abroad_is_a_curp_code_but_not_a_state() -> None:
    assert "NE" in CURP_STATE_CODES
    assert len(CURP_STATE_CODES) == 33
    assert state_by_curp_code("NE") is None


def test_unknown_state_code_gives_none() -> None:
    assert state_by_code("33") is None
    assert state_by_code("1") is None


def test_state_choices_pair_code_and_name() -> None:
    assert STATE_CHOICES[11] == ("12", "Guerrero")
    assert len(STATE_CHOICES) == 32


# --- municipalities -----------------------------------------------------------------------

def test_packaged_catalog_has_2475_municipalities(catalog: MunicipalityCatalog) -> None:
    assert len(catalog) == 2475


def test_municipality_codes_are_unique_five_digit_strings(catalog: MunicipalityCatalog) -> None:
    codes = [m.code for m in catalog]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 5 and code.isdigit() for code in codes)


def test_every_municipality_belongs_to_an_existing_state(catalog: MunicipalityCatalog) -> None:
    for municipality in catalog:
        assert state_by_code(municipality.state_code) is not None
        assert municipality.code.startswith(municipality.state_code)


def test_every_state_has_municipalities(catalog: MunicipalityCatalog) -> None:
    assert sum(len(catalog.by_state(s.inegi_code)) for s in STATES) == 2475
    assert len(catalog.by_state("09")) == 16  # the alcaldías of Mexico City
    assert len(catalog.by_state("20")) == 570  # Oaxaca


def test_by_state_returns_only_that_state_sorted_by_name(catalog: MunicipalityCatalog) -> None:
    guerrero = catalog.by_state("12")
    assert {m.state_code for m in guerrero} == {"12"}
    assert [spanish_sort_key(m.name) for m in guerrero] == sorted(spanish_sort_key(m.name) for m in guerrero)
    assert guerrero[0].name == "Acapulco de Juárez"


def test_by_state_of_unknown_state_is_empty(catalog: MunicipalityCatalog) -> None:
    assert catalog.by_state("99") == []


def test_lookup_by_code(catalog: MunicipalityCatalog) -> None:
    assert catalog.name("12029") == "Chilpancingo de los Bravo"
    assert catalog.get("07101").name == "Tuxtla Gutiérrez"  # type: ignore[union-attr]
    assert catalog.get("99999") is None
    assert "12029" in catalog
    with pytest.raises(KeyError):
        catalog.name("99999")


def test_belongs_to_checks_the_pair(catalog: MunicipalityCatalog) -> None:
    assert catalog.belongs_to("12029", "12")
    assert not catalog.belongs_to("12029", "07")
    assert not catalog.belongs_to("99999", "12")


def test_choices_for_a_state_are_code_and_name(catalog: MunicipalityCatalog) -> None:
    assert ("12029", "Chilpancingo de los Bravo") in catalog.choices("12")


def test_spanish_sort_ignores_accents_and_puts_enie_after_n() -> None:
    names = ["Ñuu", "Oaxaca", "Nuzco", "Álamo", "Azul", "Núñez"]
    assert sorted(names, key=spanish_sort_key) == ["Álamo", "Azul", "Núñez", "Nuzco", "Ñuu", "Oaxaca"]


def test_alternate_edition_file_loads(tmp_path: Path) -> None:
    newer = packaged_lines() + ["04014,Campeche,04,Municipio Nuevo,014\n"]
    catalog = load_municipalities(write_csv(tmp_path, newer))
    assert len(catalog) == 2476
    assert catalog.belongs_to("04014", "04")


def test_alternate_edition_may_start_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "municipios.csv"
    path.write_text("".join(packaged_lines()), encoding="utf-8-sig")
    assert len(load_municipalities(path)) == 2475


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        ("1001,Aguascalientes,01,Aguascalientes,001\n", "5 dígitos"),
        ("01A01,Aguascalientes,01,Aguascalientes,001\n", "5 dígitos"),
        ("01099,Aguascalientes,02,Otro,099\n", "cve_ent «02» no coincide"),
        ("01099,Aguascalientes,01,Otro,098\n", "cve_mun «098» no coincide"),
        ("33001,Atlántida,33,Otro,001\n", "«33» no es ninguna de las 32 entidades"),
        ("01099,Aguascalientes,01,,099\n", "no tiene nombre"),
        ("01099,Aguascalientes,01\n", "faltan campos"),
        ("01008,Aguascalientes,01,San José de Gracia,008\n", "01008 está repetida"),
    ],
)
def test_bad_file_is_rejected_naming_the_line(tmp_path: Path, bad_row: str, expected: str) -> None:
    lines = packaged_lines()
    lines.insert(3, bad_row)
    with pytest.raises(CatalogError) as error:
        load_municipalities(write_csv(tmp_path, lines))
    assert "línea 4:" in str(error.value)
    assert expected in str(error.value)


def test_file_without_the_expected_columns_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, ["clave,nombre\n", "01001,Aguascalientes\n"])
    with pytest.raises(CatalogError, match="no tiene las columnas: cve_geo"):
        load_municipalities(path)


def test_file_missing_a_whole_state_is_rejected(tmp_path: Path) -> None:
    lines = [line for line in packaged_lines() if not line.startswith("06")]
    with pytest.raises(CatalogError, match="no tiene municipios de: Colima"):
        load_municipalities(write_csv(tmp_path, lines))


def test_missing_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="No se encontró"):
        load_municipalities(tmp_path / "no-existe.csv")


def test_file_not_in_utf8_is_a_catalog_error(tmp_path: Path) -> None:
    path = tmp_path / "municipios.csv"
    path.write_text("".join(packaged_lines()), encoding="latin-1")
    with pytest.raises(CatalogError, match="UTF-8"):
        load_municipalities(path)


# --- indigenous languages -----------------------------------------------------------------

def test_there_are_68_inali_groupings_with_unique_codes_and_names() -> None:
    languages = indigenous_languages()
    assert len(languages) == 68
    assert [lang.code for lang in languages] == [f"{n:02d}" for n in range(1, 69)]
    assert len({spanish_sort_key(lang.name) for lang in languages}) == 68


@pytest.mark.parametrize(
    "name",
    ["Náhuatl", "Maya", "Tseltal", "Tsotsil", "Mixteco", "Zapoteco", "Otomí", "Ch'ol", "Tlapaneco",
     "Purépecha", "Chontal de Tabasco", "Chontal de Oaxaca", "Tepehuano del sur", "Tepehuano del norte",
     "Popoluca de la Sierra", "Q'anjob'al", "Q'eqchí", "Akateko", "Chichimeco jonaz", "Tlahuica", "Huave"],
)
def test_well_known_groupings_are_present(name: str) -> None:
    assert name in {lang.name for lang in indigenous_languages()}


def test_language_lookup_and_choices() -> None:
    assert language_name("12") == "Náhuatl"
    choices_ = language_choices()
    assert choices_[0] == ("45", "Akateko")
    assert len(choices_) == 68
    with pytest.raises(KeyError):
        language_name("99")


# --- enumerations -------------------------------------------------------------------------

ALL_ENUMS = sorted(LabeledEnum.__subclasses__(), key=lambda cls: cls.__name__)


@pytest.mark.parametrize("enum_cls", ALL_ENUMS, ids=lambda cls: cls.__name__)
def test_every_enum_member_has_a_spanish_label(enum_cls: type[LabeledEnum]) -> None:
    for member in enum_cls:
        assert member.label and member.label != member.value
        assert "_" not in member.label
        assert member.label[0].isupper()
        assert member.value == member.value.lower()


@pytest.mark.parametrize(
    ("enum_cls", "size"),
    [
        (enums.DisplacementCause, 10),
        (enums.Stage, 5),
        (enums.ClosureReason, 8),
        (enums.AssistanceType, 15),
        (enums.ServiceStatus, 5),
        (enums.ReferralStatus, 5),
        (enums.ProtectionRisk, 12),
        (enums.SpecificNeed, 5),
        (enums.IascCriterion, 8),
        (enums.CriterionStatus, 5),
        (enums.SettlementOption, 3),
        (enums.DisabilityDomain, 6),
        (enums.DisabilityLevel, 4),
        (enums.RegisteredSex, 4),
        (enums.RelationshipToHead, 8),
        (enums.DocumentType, 7),
        (enums.EventType, 2),
        (enums.ConsentScope, 3),
        (enums.ConsentMethod, 2),
        (enums.RecognitionDecision, 2),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_enumerations_have_the_domain_size(enum_cls: type[LabeledEnum], size: int) -> None:
    assert len(enum_cls) == size


def test_choices_give_value_and_label_for_forms() -> None:
    assert choices(RegisteredSex) == [
        ("male", "Hombre"), ("female", "Mujer"), ("non_binary", "X (no binario)"), ("unknown", "Se desconoce"),
    ]


def test_enum_members_are_strings_and_load_from_their_value() -> None:
    assert Stage("durable_solutions") is Stage.DURABLE_SOLUTIONS
    assert isinstance(Stage.DURABLE_SOLUTIONS, str)
    assert Stage.DURABLE_SOLUTIONS.value == "durable_solutions"
    assert f"{Stage.ATTENTION}" == "attention"


def test_stages_are_ordered_and_closed_is_last() -> None:
    assert STAGE_ORDER == tuple(Stage)
    assert Stage.PREVENTION.position < Stage.ASSISTANCE.position < Stage.ATTENTION.position
    assert Stage.CLOSED.position == len(STAGE_ORDER) - 1


def test_registered_sex_maps_to_curp_letters() -> None:
    assert [s.curp_letter for s in RegisteredSex] == ["H", "M", "X", None]


# --- institutions -------------------------------------------------------------------------

def test_default_institutions_have_unique_codes_and_names() -> None:
    codes = [i.code for i in DEFAULT_INSTITUTIONS]
    assert len(set(codes)) == len(codes)
    assert len({i.name for i in DEFAULT_INSTITUTIONS}) == len(codes)
    assert {"ceav", "renapo", "inpi", "acnur", "oim", "cicr"} <= set(codes)
