"""The second factor's pure rules: which time step a code belongs to, and recovery codes."""
from __future__ import annotations

from dfi_casos.security.mfa import (
    code_at,
    hash_recovery_code,
    looks_like_recovery_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    qr_data_uri,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0
STEP = int(NOW // 30)


def test_a_code_of_the_current_or_adjacent_step_matches_that_step():
    for offset in (-1, 0, 1):
        assert matching_step(SECRET, code_at(SECRET, STEP + offset), NOW) == STEP + offset


def test_a_code_two_steps_away_does_not_match():
    assert matching_step(SECRET, code_at(SECRET, STEP - 2), NOW) is None
    assert matching_step(SECRET, code_at(SECRET, STEP + 2), NOW) is None


def test_malformed_codes_never_match():
    for code in ("", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦"):
        assert matching_step(SECRET, code, NOW) is None


def test_spaces_inside_a_typed_code_are_ignored():
    code = code_at(SECRET, STEP)
    assert matching_step(SECRET, f"{code[:3]} {code[3:]}", NOW) == STEP


def test_ten_distinct_recovery_codes_of_eighty_bits_each():
    codes = new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(len(code.replace("-", "")) == 16 and looks_like_recovery_code(code) for code in codes)


def test_a_recovery_code_hashes_the_same_however_it_is_typed():
    code = new_recovery_codes(1)[0]
    assert hash_recovery_code(code) == hash_recovery_code(code.upper().replace("-", " "))
    assert code.replace("-", "") not in hash_recovery_code(code)


def test_secrets_are_fresh_base32_of_160_bits():
    first, second = new_secret(), new_secret()
    assert first != second and len(first) == 32 and set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_qr_code_is_an_inline_svg_data_uri():
    assert qr_data_uri("otpauth://totp/DFI%20Casos:ana?secret=" + SECRET).startswith("data:image/svg+xml")
