"""Documents benchmark: file encryption throughput against plain AES-GCM, upload memory, case-file PDF time.

    python bench/files.py [--repeat 5]

Aims (issue 17): upload and download of a 10 MiB file at >= 50% of plain AES-GCM streaming over the
same bytes; peak memory of a 15 MiB upload under 3x the chunk size above the baseline (the upload's
own bytes, which the request already holds); the case file of a case with 50 history entries
rendered in <= 2 s. Runs on a throw-away SQLite database and files directory.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from flask import render_template  # noqa: E402

from dfi_casos import create_app  # noqa: E402
from dfi_casos.database import Base, utcnow  # noqa: E402
from dfi_casos.documents import casefile  # noqa: E402
from dfi_casos.documents import services as documents  # noqa: E402
from dfi_casos.documents.models import RecordType  # noqa: E402
from dfi_casos.extensions import db  # noqa: E402
from dfi_casos.models import import_all_models  # noqa: E402
from dfi_casos.pdf import html_to_pdf  # noqa: E402
from dfi_casos.security import envelope  # noqa: E402
from dfi_casos.security.envelope import DEFAULT_CHUNK_SIZE  # noqa: E402
from tests import factories  # noqa: E402

MIB = 1024 * 1024


def fake_pdf(size: int) -> bytes:
    """A PDF-looking payload of `size` bytes (random body: nothing compresses or repeats)."""
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def best_of(repeat: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_round_trip(data: bytes, directory: Path) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Plain AES-GCM streaming over the same bytes and chunks: the floor the envelope is compared to."""
    cipher = AESGCM(AESGCM.generate_key(256))
    path = directory / "plain.bin"

    def upload() -> None:
        with path.open("wb") as handle:
            for index, start in enumerate(range(0, len(data), DEFAULT_CHUNK_SIZE)):
                nonce = index.to_bytes(12, "big")
                handle.write(cipher.encrypt(nonce, data[start:start + DEFAULT_CHUNK_SIZE], None))
            handle.flush()
            os.fsync(handle.fileno())

    def download() -> None:
        sealed = DEFAULT_CHUNK_SIZE + 16
        with path.open("rb") as handle:
            index = 0
            while chunk := handle.read(sealed):
                cipher.decrypt(index.to_bytes(12, "big"), chunk, None)
                index += 1

    return upload, download


def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        app = create_app({"ENV_NAME": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
                          "INSTANCE_PATH": str(tmp_path / "instance"), "DOCUMENT_RECORD_QUOTA": 10**12})
        import_all_models()
        with app.app_context(), app.test_request_context():
            Base.metadata.create_all(db.engine)
            session = db.session
            owner = factories.make_user(session, "caseworker", ["12"], full_name="Capturista de Medición")
            case = factories.make_case(session, owner=owner, state="12")
            record = documents.owner_of(RecordType.CASE, case)
            print(f"# bench/files.py · chunk {DEFAULT_CHUNK_SIZE // 1024} KiB · best of {repeat}")

            data = fake_pdf(10 * MIB)
            plain_up, plain_down = plain_round_trip(data, tmp_path)
            t_plain_up, t_plain_down = best_of(repeat, plain_up), best_of(repeat, plain_down)
            attached: list[Any] = []
            t_up = best_of(repeat, lambda: attached.append(documents.attach(session, owner, record, "diez.pdf", data)))
            t_down = best_of(repeat, lambda: sum(len(c) for c in documents.download(session, owner,
                                                                                      attached[-1]).chunks))
            version = attached[-1].current
            key, binding = version.data_key, documents.binding_of(attached[-1], version)
            store = documents.current_storage()

            def envelope_up() -> None:
                store.put(version.storage_key, envelope.encrypt_chunks(key, binding, documents._chunks(data)))

            def envelope_down() -> None:
                with store.open(version.storage_key) as handle:
                    for _chunk in envelope.decrypt_stream(key, binding, handle):
                        pass

            t_env_up, t_env_down = best_of(repeat, envelope_up), best_of(repeat, envelope_down)
            for label, ours, plain in (("subida (servicio: revisión, hash, cifrado, disco, fila, bitácora)", t_up,
                                        t_plain_up),
                                       ("descarga (servicio: alcance, bitácora, descifrado)", t_down, t_plain_down),
                                       ("cifrado + disco (sobre, sin base de datos)", t_env_up, t_plain_up),
                                       ("disco + descifrado (sobre, sin base de datos)", t_env_down, t_plain_down)):
                print(f"{label}, 10 MiB: {10 / ours:6.1f} MiB/s (AES-GCM puro {10 / plain:6.1f} MiB/s) "
                      f"= {plain / ours:5.0%} del puro (meta >= 50%)")

            big = fake_pdf(15 * MIB)
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            documents.attach(session, owner, record, "quince.pdf", big)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            above = peak - base
            print(f"memoria pico de una subida de 15 MiB sobre la base (que ya tiene el archivo): "
                  f"{above / 1024:,.0f} KiB = {above / DEFAULT_CHUNK_SIZE:.1f}x el bloque (meta < 3x)")

            from dfi_casos.cases import services as cases

            for number in range(50):
                cases.add_note(session, owner, case, f"Nota de seguimiento número {number} con algo de texto " * 3)
            session.flush()
            loaded = session.get(type(case), case.id)
            html_to_pdf("<p>x</p>")  # WeasyPrint's import and first layout are not the case file's cost
            phases: dict[str, list[float]] = {"datos": [], "html": [], "pdf": []}
            pages = 0
            cpu: list[float] = []
            for _ in range(repeat):
                cpu_start = time.process_time()
                start = time.perf_counter()
                built = casefile.build(session, owner, loaded, idle_days=30, printed_at=utcnow())
                mid = time.perf_counter()
                html = render_template("documents/case_file.html", file=built, case=loaded, record=built.record)
                laid = time.perf_counter()
                pdf = html_to_pdf(html)
                end = time.perf_counter()
                phases["datos"].append(mid - start)
                phases["html"].append(laid - mid)
                phases["pdf"].append(end - laid)
                cpu.append(time.process_time() - cpu_start)
                pages = pdf.pages
            total = min(a + b + c for a, b, c in zip(*phases.values(), strict=True))
            split = ", ".join(f"{name} {min(times):.2f} s" for name, times in phases.items())
            print(f"expediente con {len(built.record.entries)} entradas de historia, {pages} páginas: {total:.2f} s "
                  f"de reloj ({split}), {min(cpu):.2f} s de CPU del proceso; meta <= 2 s")
            session.rollback()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
