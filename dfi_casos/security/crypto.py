"""Key material: field-encryption key ring, blind-index keys, audit MAC key, and how they load."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

#: Stored value layout: version (1 byte) | key id (2 bytes, big-endian) | nonce (12 bytes) | ciphertext+tag.
FORMAT_VERSION = 1
KEY_ID_OFFSET = 1
NONCE_OFFSET = 3
HEADER_SIZE = 15
TAG_SIZE = 16
MAX_KEY_ID = 0xFFFF

DEV_KEYFILE_NAME = "dfi-dev-keys.json"
DEFAULT_REGISTRY_SIZE = 1_000_000

_INDEX_KEY_LABEL = b"dfi-casos/blind-index/v1/"


class KeyConfigError(RuntimeError):
    """Keys are missing or unusable; the message says what to set."""


class DecryptionError(Exception):
    """A stored value did not decrypt: wrong or missing key, altered bytes, or moved from another row/column.

    Carries where it happened, never the ciphertext or any part of the plaintext.
    """

    def __init__(self, table: str, column: str, record_id: object, reason: str) -> None:
        self.table = table
        self.column = column
        self.record_id = str(record_id)
        self.reason = reason
        super().__init__(f"No se pudo descifrar {table}.{column} del registro {record_id}: {reason}")


def decryption_failed(table: str, column: str, record_id: object, reason: str) -> DecryptionError:
    """Log a decryption failure (where, never what) and return the error to raise."""
    log.error("decryption failed table=%s column=%s record=%s reason=%s", table, column, record_id, reason)
    return DecryptionError(table, column, record_id, reason)


def associated_data(table: str, column: str, record_id: object) -> bytes:
    """What a ciphertext is bound to: moving it to another table, column or row breaks its tag."""
    return f"{table}.{column}.{record_id}".encode()


def key_id_prefix(key_id: int) -> bytes:
    """The two bytes that name a key inside a stored value (offset 1, SQL `substr(col, 2, 2)`)."""
    return key_id.to_bytes(2, "big")


def stored_key_id(stored: bytes) -> int:
    """The key id a stored value names (without decrypting it)."""
    return int.from_bytes(stored[KEY_ID_OFFSET:NONCE_OFFSET], "big")


class KeyRing:
    """Versioned AES-256-GCM keys, exactly one of them active for new values."""

    def __init__(self, keys: Mapping[int, bytes], active_key_id: int) -> None:
        if not keys:
            raise KeyConfigError("No hay claves de cifrado de campos.")
        for key_id, key in keys.items():
            if not 1 <= key_id <= MAX_KEY_ID:
                raise KeyConfigError(f"Identificador de clave {key_id} fuera de rango (1-{MAX_KEY_ID}).")
            if len(key) != 32:
                raise KeyConfigError(f"La clave de cifrado {key_id} debe medir 32 bytes (256 bits).")
        if active_key_id not in keys:
            raise KeyConfigError(f"La clave activa {active_key_id} no está entre las claves de cifrado.")
        self.keys: dict[int, bytes] = dict(keys)
        self.active_key_id = active_key_id
        # AESGCM objects are built once: constructing one costs more than encrypting a field.
        self._ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}
        self._by_header = {bytes([FORMAT_VERSION]) + key_id_prefix(k): cipher for k, cipher in self._ciphers.items()}
        self._active_cipher = self._ciphers[active_key_id]
        self._active_header = bytes([FORMAT_VERSION]) + key_id_prefix(active_key_id)

    def encrypt(self, plaintext: bytes, ad: bytes) -> bytes:
        """Encrypt under the active key with a fresh random 96-bit nonce."""
        nonce = os.urandom(12)
        return self._active_header + nonce + self._active_cipher.encrypt(nonce, plaintext, ad)

    def decrypt(self, stored: bytes, ad: bytes) -> bytes:
        """Decrypt a stored value; raise ValueError with a reason (no content) when it does not verify."""
        # One lookup checks format version and key id together: this runs for every field read.
        cipher = self._by_header.get(stored[:NONCE_OFFSET])
        if cipher is None or len(stored) < HEADER_SIZE + TAG_SIZE:
            raise ValueError(self._unreadable_header(stored))
        try:
            return cipher.decrypt(stored[NONCE_OFFSET:HEADER_SIZE], stored[HEADER_SIZE:], ad)
        except InvalidTag:
            raise ValueError("la etiqueta de autenticación no coincide") from None

    def _unreadable_header(self, stored: bytes) -> str:
        if len(stored) < HEADER_SIZE + TAG_SIZE:
            return "valor truncado"
        if stored[0] != FORMAT_VERSION:
            return f"versión de formato desconocida {stored[0]}"
        return f"clave {stored_key_id(stored)} no disponible"

    def decrypt_field(self, stored: bytes, table: str, column: str, record_id: object) -> bytes:
        """Decrypt the value of one column of one record, or log and raise DecryptionError."""
        try:
            return self.decrypt(stored, associated_data(table, column, record_id))
        except ValueError as exc:
            raise decryption_failed(table, column, record_id, str(exc)) from None

    def encrypt_field(self, plaintext: bytes, table: str, column: str, record_id: object) -> bytes:
        """Encrypt the value of one column of one record under the active key."""
        return self.encrypt(plaintext, associated_data(table, column, record_id))


def index_bits_for(expected_size: int) -> int:
    """Bits kept of a blind index so that each value is shared by about 8 records (2 to 32).

    CipherSweet's planning rule: with R records and b bits, each index value is shared by
    C = R / 2**b records; keep 2 <= C < sqrt(R) so an index value never singles a person
    out. b = round(log2 R) - 3 gives C between about 5.7 and 11.3. At 1,000,000: 17 bits, C = 7.6.
    """
    size = max(int(expected_size), 16)
    return max(1, min(31, round(math.log2(size)) - 3))


class BlindIndexKeys:
    """HMAC-SHA256 blind indexes: one key per index, derived from a root key, truncated.

    While a rebuild under a new root is in progress the previous root is kept, and lookups
    ask for the values under both roots; writes use the current root only.
    """

    def __init__(self, root: bytes, bits: int, previous_root: bytes | None = None, previous_bits: int | None = None):
        for what, key in (("raíz de índices ciegos", root), ("raíz anterior de índices ciegos", previous_root)):
            if key is not None and len(key) != 32:
                raise KeyConfigError(f"La {what} debe medir 32 bytes (256 bits).")
        if not 1 <= bits <= 31 or (previous_bits is not None and not 1 <= previous_bits <= 31):
            raise KeyConfigError("Los bits de índice ciego deben estar entre 1 y 31.")
        self.root = root
        self.bits = bits
        self.previous_root = previous_root
        self.previous_bits = previous_bits if previous_bits is not None else bits
        self._derived: dict[tuple[bytes, str], bytes] = {}

    @property
    def rebuild_pending(self) -> bool:
        """True while a previous root is configured: indexes may still hold values under it."""
        return self.previous_root is not None

    def _index_key(self, root: bytes, index_id: str) -> bytes:
        cached = self._derived.get((root, index_id))
        if cached is None:
            # HKDF-Expand with one block: the label and index name make each index's key independent.
            cached = hmac.new(root, _INDEX_KEY_LABEL + index_id.encode() + b"\x01", hashlib.sha256).digest()
            self._derived[(root, index_id)] = cached
        return cached

    @staticmethod
    def _truncate(digest: bytes, bits: int) -> int:
        return int.from_bytes(digest[:4], "big") >> (32 - bits)

    def compute(self, index_id: str, normalized: str) -> int:
        """The index value to store for a normalized value, under the current root."""
        digest = hmac.digest(self._index_key(self.root, index_id), normalized.encode(), "sha256")
        return self._truncate(digest, self.bits)

    def keyed_digest(self, index_id: str, normalized: str) -> str:
        """The whole HMAC (hex, not truncated) under the index's key: a stable identifier revealing nothing."""
        return hmac.digest(self._index_key(self.root, index_id), normalized.encode(), "sha256").hex()

    def lookup_values(self, index_id: str, normalized: str) -> list[int]:
        """The index values a lookup must match: current root, and the previous one during a rebuild."""
        values = [self.compute(index_id, normalized)]
        if self.previous_root is not None:
            key = self._index_key(self.previous_root, index_id)
            digest = hmac.digest(key, normalized.encode(), "sha256")
            values.append(self._truncate(digest, self.previous_bits))
        return values


@dataclass(frozen=True)
class KeyMaterial:
    """The secrets besides SECRET_KEY, each independent of the others."""

    ring: KeyRing
    blind: BlindIndexKeys
    audit_key: bytes
    source: str
    #: The key file this came from, when it came from one: `keys generate` and `retire` edit it.
    keyfile: Path | None = None
    development: bool = False

    @property
    def encryption_keys(self) -> dict[int, bytes]:
        return self.ring.keys

    @property
    def active_key_id(self) -> int:
        return self.ring.active_key_id

    @property
    def blind_index_root(self) -> bytes:
        return self.blind.root

    def status(self) -> KeyRingStatus:
        """What an administrator may read about the keys: ids and states, never key material."""
        return KeyRingStatus(source=self.source, active_key_id=self.ring.active_key_id,
                             key_ids=sorted(self.ring.keys), index_bits=self.blind.bits,
                             index_rebuild_pending=self.blind.previous_root is not None,
                             development=self.development)


@dataclass(frozen=True)
class KeyRingStatus:
    """The field-encryption key ids (which one encrypts new values), and the blind-index state."""

    source: str
    active_key_id: int
    key_ids: list[int]
    index_bits: int
    index_rebuild_pending: bool
    development: bool


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


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(32)


def new_keyfile_content(*, development: bool, expected_size: int = DEFAULT_REGISTRY_SIZE) -> dict[str, Any]:
    """The content of a new key file: one field key, a blind-index root, an audit key."""
    return {
        "development": development,
        "encryption_keys": {"1": _b64(new_key())},
        "active_key_id": 1,
        "blind_index_key": _b64(new_key()),
        "blind_index_bits": index_bits_for(expected_size),
        "audit_key": _b64(new_key()),
    }


def write_keyfile(path: Path, content: Mapping[str, Any], *, create: bool = False) -> None:
    """Write a key file readable by its owner only; replace it atomically unless `create`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(content, indent=2, sort_keys=True)
    if create:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(data)
        return
    # A crash half-way must leave the old file or the new one, never a torn key file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate_keyfile(path: Path, *, development: bool = True, expected_size: int = DEFAULT_REGISTRY_SIZE) -> None:
    """Write a new key file with fresh random keys, readable by its owner only; never overwrite one."""
    write_keyfile(path, new_keyfile_content(development=development, expected_size=expected_size), create=True)


def read_keyfile(path: Path) -> dict[str, Any]:
    """The raw JSON content of a key file."""
    try:
        content: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyConfigError(f"No se pudo leer el archivo de claves {path}: {exc}") from exc
    return content


def _check_independent(material: KeyMaterial) -> None:
    # Four independent secrets: one leaked or reused key must not open another door.
    keys = [*material.ring.keys.values(), material.blind.root, material.audit_key]
    if material.blind.previous_root is not None:
        keys.append(material.blind.previous_root)
    if len(set(keys)) != len(keys):
        raise KeyConfigError("Las claves de cifrado, de índices ciegos y de auditoría deben ser distintas entre sí.")


def _from_keyfile(path: Path, config: Mapping[str, Any]) -> KeyMaterial:
    content = read_keyfile(path)
    try:
        keys = {int(k): _unb64(v, f"clave de cifrado {k}") for k, v in content["encryption_keys"].items()}
        bits = int(content.get("blind_index_bits") or index_bits_for(_expected_size(config)))
        previous = content.get("previous_blind_index_key")
        blind = BlindIndexKeys(
            _unb64(content["blind_index_key"], "clave de índices ciegos"),
            bits,
            _unb64(previous, "clave anterior de índices ciegos") if previous else None,
            int(content["previous_blind_index_bits"]) if content.get("previous_blind_index_bits") else None,
        )
        return KeyMaterial(
            ring=KeyRing(keys, int(content["active_key_id"])),
            blind=blind,
            audit_key=_unb64(content["audit_key"], "clave de auditoría"),
            source=str(path),
            keyfile=path,
            development=bool(content.get("development")) or path.name == DEV_KEYFILE_NAME,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeyConfigError(f"Archivo de claves {path} incompleto o mal formado ({exc!r})") from exc


def _expected_size(config: Mapping[str, Any]) -> int:
    return int(config.get("EXPECTED_REGISTRY_SIZE") or DEFAULT_REGISTRY_SIZE)


def _from_environment(config: Mapping[str, Any]) -> KeyMaterial:
    # "1:base64,2:base64"; the highest id is active unless ACTIVE_KEY_ID says otherwise.
    keys: dict[int, bytes] = {}
    for part in str(config["ENCRYPTION_KEYS"]).split(","):
        key_id, _, value = part.strip().partition(":")
        if not key_id.isdigit():
            raise KeyConfigError("DFI_ENCRYPTION_KEYS debe tener la forma 1:base64,2:base64")
        keys[int(key_id)] = _unb64(value, f"DFI_ENCRYPTION_KEYS {key_id}")
    if not config.get("BLIND_INDEX_KEY") or not config.get("AUDIT_KEY"):
        raise KeyConfigError("Defina también DFI_BLIND_INDEX_KEY y DFI_AUDIT_KEY.")
    previous = config.get("PREVIOUS_BLIND_INDEX_KEY")
    bits = int(config.get("BLIND_INDEX_BITS") or index_bits_for(_expected_size(config)))
    return KeyMaterial(
        ring=KeyRing(keys, int(config.get("ACTIVE_KEY_ID") or max(keys))),
        blind=BlindIndexKeys(
            _unb64(config["BLIND_INDEX_KEY"], "DFI_BLIND_INDEX_KEY"),
            bits,
            _unb64(previous, "DFI_PREVIOUS_BLIND_INDEX_KEY") if previous else None,
            int(config["PREVIOUS_BLIND_INDEX_BITS"]) if config.get("PREVIOUS_BLIND_INDEX_BITS") else None,
        ),
        audit_key=_unb64(config["AUDIT_KEY"], "DFI_AUDIT_KEY"),
        source="environment",
    )


def load_key_material(config: Mapping[str, Any], instance_path: str) -> KeyMaterial:
    """Load keys from DFI_KEYFILE, or from DFI_* variables; development makes its own file.

    Production refuses to start with no keys or with a development key file.
    """
    production = config.get("ENV_NAME") == "production"
    if config.get("KEYFILE"):
        material = _from_keyfile(Path(config["KEYFILE"]), config)
    elif config.get("ENCRYPTION_KEYS"):
        material = _from_environment(config)
    elif production:
        raise KeyConfigError(
            "Producción requiere claves: defina DFI_KEYFILE o DFI_ENCRYPTION_KEYS, "
            "DFI_BLIND_INDEX_KEY y DFI_AUDIT_KEY (genérelas con `dfi-casos keys generate --new-file RUTA`)."
        )
    else:
        path = Path(instance_path) / DEV_KEYFILE_NAME
        if not path.exists():
            generate_keyfile(path, development=True, expected_size=_expected_size(config))
        material = _from_keyfile(path, config)
    if production and material.development:
        raise KeyConfigError(
            f"Producción no acepta el archivo de claves de desarrollo {material.source}: "
            "genere uno propio con `dfi-casos keys generate --new-file RUTA`."
        )
    _check_independent(material)
    if material.keyfile is not None and material.keyfile.stat().st_mode & 0o077:
        log.warning("key file %s is readable by group or others; chmod 600 it", material.keyfile)
    return material


# Key file edits: each reads the file, changes one thing and writes it back atomically.


def fingerprint(key: bytes) -> str:
    """A short public name for a key, so operators can tell keys apart without seeing them."""
    return hashlib.sha256(b"dfi-casos/fingerprint/" + key).hexdigest()[:12]


def add_field_key(path: Path, *, activate: bool) -> int:
    """Add a fresh field-encryption key to a key file; make it the active one if asked. Returns its id."""
    content = read_keyfile(path)
    key_id = max(int(k) for k in content["encryption_keys"]) + 1
    if key_id > MAX_KEY_ID:
        raise KeyConfigError("No quedan identificadores de clave libres.")
    content["encryption_keys"][str(key_id)] = _b64(new_key())
    if activate:
        content["active_key_id"] = key_id
    write_keyfile(path, content)
    return key_id


def activate_field_key(path: Path, key_id: int) -> None:
    """Make an existing key of a key file the one new values are encrypted under."""
    content = read_keyfile(path)
    if str(key_id) not in content["encryption_keys"]:
        raise KeyConfigError(f"La clave {key_id} no está en {path}.")
    content["active_key_id"] = key_id
    write_keyfile(path, content)


def remove_field_key(path: Path, key_id: int) -> None:
    """Delete a retired key from a key file (the caller has checked that nothing uses it)."""
    content = read_keyfile(path)
    if int(content["active_key_id"]) == key_id:
        raise KeyConfigError(f"La clave {key_id} es la activa: active otra antes de retirarla.")
    if content["encryption_keys"].pop(str(key_id), None) is None:
        raise KeyConfigError(f"La clave {key_id} no está en {path}.")
    write_keyfile(path, content)


def start_blind_index_rotation(path: Path, bits: int) -> None:
    """Make a fresh blind-index root current; keep the old one for lookups until the rebuild ends."""
    content = read_keyfile(path)
    if content.get("previous_blind_index_key"):
        raise KeyConfigError(
            "Ya hay una reconstrucción de índices ciegos pendiente: termínela (`keys rotate`) "
            "y retire la raíz anterior (`keys retire --blind-index`) antes de generar otra."
        )
    content["previous_blind_index_key"] = content["blind_index_key"]
    content["previous_blind_index_bits"] = int(content.get("blind_index_bits") or bits)
    content["blind_index_key"] = _b64(new_key())
    content["blind_index_bits"] = bits
    write_keyfile(path, content)


def finish_blind_index_rotation(path: Path) -> None:
    """Forget the previous blind-index root (the caller has checked every index is rebuilt)."""
    content = read_keyfile(path)
    content.pop("previous_blind_index_key", None)
    content.pop("previous_blind_index_bits", None)
    write_keyfile(path, content)


def env_lines_for(material: KeyMaterial) -> list[str]:
    """The DFI_* variables that configure this key material, for deployments without a key file."""
    lines = [
        "DFI_ENCRYPTION_KEYS=" + ",".join(f"{k}:{_b64(v)}" for k, v in sorted(material.ring.keys.items())),
        f"DFI_ACTIVE_KEY_ID={material.ring.active_key_id}",
        f"DFI_BLIND_INDEX_KEY={_b64(material.blind.root)}",
        f"DFI_BLIND_INDEX_BITS={material.blind.bits}",
    ]
    if material.blind.previous_root is not None:
        lines.append(f"DFI_PREVIOUS_BLIND_INDEX_KEY={_b64(material.blind.previous_root)}")
        lines.append(f"DFI_PREVIOUS_BLIND_INDEX_BITS={material.blind.previous_bits}")
    return lines
