"""Age bands: ours (0–4, 5–11, 12–17, 18–29, 30–59, 60+) and how they add up to UNHCR's standard ones."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from dfi_casos.catalogs.enums import AgeGroup

#: Lower bound of each band, oldest first (the first bound not above the age wins).
_LOWER_BOUNDS: tuple[tuple[int, AgeGroup], ...] = (
    (60, AgeGroup.AGE_60_PLUS), (30, AgeGroup.AGE_30_59), (18, AgeGroup.AGE_18_29),
    (12, AgeGroup.AGE_12_17), (5, AgeGroup.AGE_5_11), (0, AgeGroup.AGE_0_4),
)

#: UNHCR's standard bands (0–4, 5–11, 12–17, 18–59, 60+), each the sum of ours.
UNHCR_BANDS: tuple[tuple[str, str, tuple[AgeGroup, ...]], ...] = (
    ("0-4", _l("0 a 4 años"), (AgeGroup.AGE_0_4,)),
    ("5-11", _l("5 a 11 años"), (AgeGroup.AGE_5_11,)),
    ("12-17", _l("12 a 17 años"), (AgeGroup.AGE_12_17,)),
    ("18-59", _l("18 a 59 años"), (AgeGroup.AGE_18_29, AgeGroup.AGE_30_59)),
    ("60+", _l("60 años o más"), (AgeGroup.AGE_60_PLUS,)),
)
#: Label of the band of persons with neither a date of birth nor an estimated age.
UNKNOWN_AGE = _l("Edad desconocida (sin fecha)")


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def group_of_age(age: int) -> AgeGroup:
    """The band of an age in completed years (negative ages are refused upstream; they fall in 0–4)."""
    return next(group for lower, group in _LOWER_BOUNDS if age >= lower) if age >= 0 else AgeGroup.AGE_0_4


def registration_age_group(birth_date: date | None, estimated_age: int | None, registered_on: date) -> AgeGroup | None:
    """The band at registration: from the date of birth, else the estimated age, else None ("sin fecha")."""
    if birth_date is not None:
        return group_of_age(age_on(birth_date, registered_on))
    if estimated_age is not None:
        return group_of_age(estimated_age)
    return None
