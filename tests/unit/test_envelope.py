"""File envelope encryption: round trip, and every way of tampering with a stored file fails loudly."""
from __future__ import annotations

import io
import os

import pytest

from dfi_casos.security import envelope
from dfi_casos.security.envelope import EnvelopeError, FileBinding

BINDING = FileBinding("case", "c-1", "a-1", 1)
CHUNK = 1024


def seal(data: bytes, key: bytes, binding: FileBinding = BINDING, pieces: int = 333) -> bytes:
    source = (data[i:i + pieces] for i in range(0, len(data), pieces))
    return b"".join(envelope.encrypt_chunks(key, binding, source, chunk_size=CHUNK))


def opened(stored: bytes, key: bytes, binding: FileBinding = BINDING) -> bytes:
    return b"".join(envelope.decrypt_stream(key, binding, io.BytesIO(stored)))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 17])
def test_round_trip_of_every_size_around_chunk_boundaries(size):
    key, data = envelope.new_data_key(), os.urandom(size)
    stored = seal(data, key)
    assert len(stored) == envelope.sealed_size(size, CHUNK)
    assert opened(stored, key) == data


def test_the_same_file_encrypts_differently_each_time():
    key, data = envelope.new_data_key(), b"acta de nacimiento" * 100
    assert seal(data, key) != seal(data, key)


def test_a_file_bound_to_another_record_or_version_does_not_decrypt():
    key, data = envelope.new_data_key(), os.urandom(3000)
    stored = seal(data, key)
    for other in (FileBinding("case", "c-2", "a-1", 1), FileBinding("person", "c-1", "a-1", 1),
                  FileBinding("case", "c-1", "a-2", 1), FileBinding("case", "c-1", "a-1", 2)):
        with pytest.raises(EnvelopeError):
            opened(stored, key, other)


def test_wrong_key_fails():
    stored = seal(b"x" * 10, envelope.new_data_key())
    with pytest.raises(EnvelopeError):
        opened(stored, envelope.new_data_key())


def test_truncated_at_a_chunk_boundary_is_detected():
    key, data = envelope.new_data_key(), os.urandom(3 * CHUNK + 10)
    stored = seal(data, key)
    cut = envelope.HEADER_SIZE + 2 * (CHUNK + envelope.TAG_SIZE)
    with pytest.raises(EnvelopeError):
        opened(stored[:cut], key)


def test_reordered_chunks_are_detected():
    key, data = envelope.new_data_key(), os.urandom(3 * CHUNK + 10)
    stored = seal(data, key)
    size = CHUNK + envelope.TAG_SIZE
    head, body = stored[:envelope.HEADER_SIZE], stored[envelope.HEADER_SIZE:]
    chunks = [body[i:i + size] for i in range(0, len(body), size)]
    swapped = head + chunks[1] + chunks[0] + b"".join(chunks[2:])
    with pytest.raises(EnvelopeError):
        opened(swapped, key)


def test_a_flipped_byte_is_detected():
    key, data = envelope.new_data_key(), os.urandom(2000)
    stored = bytearray(seal(data, key))
    stored[envelope.HEADER_SIZE + 5] ^= 1
    with pytest.raises(EnvelopeError):
        opened(bytes(stored), key)


def test_a_chunk_appended_after_the_final_one_is_detected():
    key, data = envelope.new_data_key(), os.urandom(CHUNK * 2)
    stored = seal(data, key)
    with pytest.raises(EnvelopeError):
        opened(stored + stored[envelope.HEADER_SIZE:envelope.HEADER_SIZE + CHUNK + envelope.TAG_SIZE], key)


def test_not_an_envelope():
    with pytest.raises(EnvelopeError):
        opened(b"%PDF-1.4 plain text", envelope.new_data_key())
