"""Envelope encryption of files: a fresh data key per file, streamed in authenticated chunks.

Layout of a stored file:

    header (16 bytes): b"DFIE" | format version (1) | chunk size (4, big-endian) | nonce prefix (7)
    then one sealed chunk after another: AES-256-GCM(plaintext chunk) + 16-byte tag

Every chunk but the last holds exactly `chunk size` plaintext bytes; the last holds the rest
(possibly nothing). A chunk's nonce is the random prefix, its index (4 bytes) and a final flag
(1 byte) -- the STREAM construction -- and its associated data names the header, the record the
file belongs to (record type and id, attachment id, version), the chunk index and the final flag.
So a chunk moved within the file, to another file or another record, a file cut at a chunk
boundary, or a chunk appended after the final one, all fail to decrypt instead of yielding
plausible bytes. The data key itself is wrapped by the key ring (`security/fields.Encrypted`
on the version row): `keys rotate` re-wraps 32-byte keys, never re-encrypts the files.
"""
from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DFIE"
FORMAT_VERSION = 1
HEADER_SIZE = 16
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
#: 64 KiB: large enough that the per-chunk cost (nonce, tag, call) is noise, small enough to stream.
DEFAULT_CHUNK_SIZE = 64 * 1024
MAX_CHUNKS = 2**32 - 1


class EnvelopeError(Exception):
    """A stored file did not decrypt: altered, truncated, reordered, moved, or the wrong key. Names no content."""


@dataclass(frozen=True)
class FileBinding:
    """What a file is bound to: moving it to another record, attachment or version breaks every tag."""

    record_type: str
    record_id: str
    attachment_id: str
    version: int

    def label(self) -> bytes:
        """The binding as bytes for the associated data."""
        return f"dfi-casos/file/v1|{self.record_type}|{self.record_id}|{self.attachment_id}|{self.version}".encode()


def new_data_key() -> bytes:
    """A fresh random 256-bit data key for one file (one version of one attachment)."""
    return os.urandom(32)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def _ad(header: bytes, label: bytes, index: int, final: bool) -> bytes:
    return header + label + struct.pack(">IB", index, 1 if final else 0)


def sealed_size(plain_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """The stored size of a file of `plain_size` bytes (header, and a tag per chunk)."""
    chunks = max(1, -(-plain_size // chunk_size))  # the final chunk always exists, empty for an empty file
    return HEADER_SIZE + plain_size + chunks * TAG_SIZE


Piece = bytes | memoryview


def _exact_chunks(source: Iterable[Piece], chunk_size: int) -> Iterator[Piece]:
    """`source` re-cut into pieces of exactly `chunk_size` (the last one shorter); aligned pieces pass uncopied."""
    buffer = bytearray()
    for piece in source:
        if not buffer and len(piece) == chunk_size:
            yield piece
            continue
        buffer += piece
        while len(buffer) >= chunk_size:
            yield bytes(buffer[:chunk_size])
            del buffer[:chunk_size]
    if buffer:
        yield bytes(buffer)


def encrypt_chunks(data_key: bytes, binding: FileBinding, source: Iterable[Piece],
                   chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
    """Encrypt the bytes of `source` (any iterable of bytes-like pieces of any sizes) and yield the stored form.

    Holds two plaintext chunks and one sealed chunk at a time, whatever the file's size: one chunk
    is held back because only the end of the source says which chunk is the final one.
    """
    if len(data_key) != 32:
        raise ValueError("la clave de datos debe medir 32 bytes")
    cipher = AESGCM(data_key)
    prefix = os.urandom(NONCE_PREFIX_SIZE)
    header = MAGIC + bytes([FORMAT_VERSION]) + struct.pack(">I", chunk_size) + prefix
    label = binding.label()
    yield header
    pieces = _exact_chunks(source, chunk_size)
    current: Piece = next(pieces, b"")
    index = 0
    for following in pieces:
        yield cipher.encrypt(_nonce(prefix, index, False), current, _ad(header, label, index, False))
        index += 1
        if index >= MAX_CHUNKS:
            raise ValueError("archivo demasiado grande para el formato")
        current = following
    yield cipher.encrypt(_nonce(prefix, index, True), current, _ad(header, label, index, True))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    parts = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def decrypt_stream(data_key: bytes, binding: FileBinding, stored: BinaryIO) -> Iterator[bytes]:
    """Yield the plaintext of a stored file chunk by chunk; raise EnvelopeError at the first chunk that fails.

    Every byte yielded has been authenticated; a file cut short raises at its end (the last chunk
    read was not sealed as final), so a caller streaming a download must not send a Content-Length
    it cannot keep without noticing: the connection is then cut and the download is incomplete.
    """
    header = _read_exactly(stored, HEADER_SIZE)
    if len(header) != HEADER_SIZE or header[:4] != MAGIC:
        raise EnvelopeError("no es un archivo cifrado de dfi-casos")
    if header[4] != FORMAT_VERSION:
        raise EnvelopeError(f"versión de formato desconocida {header[4]}")
    chunk_size = struct.unpack(">I", header[5:9])[0]
    if not 1 <= chunk_size <= 16 * 1024 * 1024:
        raise EnvelopeError("tamaño de bloque no válido")
    prefix = header[9:16]
    cipher = AESGCM(data_key)
    label = binding.label()
    sealed_chunk = chunk_size + TAG_SIZE
    current = _read_exactly(stored, sealed_chunk)
    index = 0
    while True:
        following = _read_exactly(stored, sealed_chunk)
        final = not following
        if len(current) < TAG_SIZE or (not final and len(current) != sealed_chunk):
            raise EnvelopeError(f"bloque {index} truncado")
        try:
            yield cipher.decrypt(_nonce(prefix, index, final), current, _ad(header, label, index, final))
        except InvalidTag:
            raise EnvelopeError(f"el bloque {index} no pasó la verificación (alterado, movido o truncado)") from None
        if final:
            return
        current = following
        index += 1
