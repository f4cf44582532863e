"""Key material: field-encryption key ring, blind-index root key, audit MAC key."""
from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class KeyConfigError(RuntimeError):
    """Keys are missing or unusable; the message says what to set."""


@dataclass(frozen=True)
class KeyMaterial:
    """The secrets besides SECRET_KEY, each independent of the others."""

    encryption_keys: dict[int, bytes]
    active_key_id: int
    blind_index_root: bytes
    audit_key: bytes
    source: str


DEV_KEYFILE_NAME = "dfi-dev-keys.json"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeyConfigError(f"{what}: no es base64 válido") from exc
    if len(raw) != 32:
        raise KeyConfigError(f"{what}: debe medir 32 bytes (256 bits)")
    return raw


def generate_keyfile(path: Path) -> None:
    """Write a new key file with fresh random keys, readable by its owner only."""
    content = {
        "encryption_keys": {"1": _b64(secrets.token_bytes(32))},
        "active_key_id": 1,
        "blind_index_key": _b64(secrets.token_bytes(32)),
        "audit_key": _b64(secrets.token_bytes(32)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle, indent=2)


def _from_keyfile(path: Path) -> KeyMaterial:
    try:
        content: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyConfigError(f"No se pudo leer el archivo de claves {path}: {exc}") from exc
    keys = {int(k): _unb64(v, f"clave de cifrado {k}") for k, v in content["encryption_keys"].items()}
    return KeyMaterial(
        encryption_keys=keys,
        active_key_id=int(content["active_key_id"]),
        blind_index_root=_unb64(content["blind_index_key"], "clave de índices ciegos"),
        audit_key=_unb64(content["audit_key"], "clave de auditoría"),
        source=str(path),
    )


def load_key_material(config: Mapping[str, Any], instance_path: str) -> KeyMaterial:
    """Load keys from DFI_KEYFILE, or from DFI_* variables; development makes its own file."""
    if config.get("KEYFILE"):
        return _from_keyfile(Path(config["KEYFILE"]))
    if config.get("ENCRYPTION_KEYS"):
        # "1:base64,2:base64"; the highest id is active unless ACTIVE_KEY_ID says otherwise.
        keys: dict[int, bytes] = {}
        for part in str(config["ENCRYPTION_KEYS"]).split(","):
            key_id, _, value = part.strip().partition(":")
            keys[int(key_id)] = _unb64(value, f"DFI_ENCRYPTION_KEYS {key_id}")
        if not config.get("BLIND_INDEX_KEY") or not config.get("AUDIT_KEY"):
            raise KeyConfigError("Defina también DFI_BLIND_INDEX_KEY y DFI_AUDIT_KEY.")
        return KeyMaterial(
            encryption_keys=keys,
            active_key_id=int(config.get("ACTIVE_KEY_ID") or max(keys)),
            blind_index_root=_unb64(config["BLIND_INDEX_KEY"], "DFI_BLIND_INDEX_KEY"),
            audit_key=_unb64(config["AUDIT_KEY"], "DFI_AUDIT_KEY"),
            source="environment",
        )
    if config.get("ENV_NAME") == "production":
        raise KeyConfigError(
            "Producción requiere claves: defina DFI_KEYFILE o DFI_ENCRYPTION_KEYS, "
            "DFI_BLIND_INDEX_KEY y DFI_AUDIT_KEY (genérelas con `dfi-casos keys generate`)."
        )
    path = Path(instance_path) / DEV_KEYFILE_NAME
    if not path.exists():
        generate_keyfile(path)
    return _from_keyfile(path)
