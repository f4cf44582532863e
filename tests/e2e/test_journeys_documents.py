"""Documents in a real browser: a caseworker attaches a photo to a case (file input) and downloads it back."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.axe import scrolls_sideways, serious_violations
from tests.e2e.conftest import login, logout

pytestmark = pytest.mark.e2e


def photo_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Telefono de campo"
    Image.new("RGB", (80, 60), (20, 120, 60)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_caseworker_attaches_a_photo_to_a_case_and_downloads_it_without_its_metadata(page: Page, live_server):
    login(page, live_server.url, "capturista.gro")
    page.goto(f"{live_server.url}/casos/")
    page.locator("main a[href^='/casos/']").filter(has_text=re.compile(r"DFI-")).first.click()
    page.get_by_role("link", name="Adjuntar o ver documentos").click()
    expect(page.get_by_role("heading", name=re.compile("Documentos del caso"))).to_be_visible()
    page.get_by_label("Archivo").set_input_files(files=[{"name": "credencial INE.jpeg", "mimeType": "image/jpeg",
                                                         "buffer": photo_with_exif()}])
    page.get_by_role("button", name="Guardar documento").click()
    expect(page.get_by_text("Documento guardado (cifrado).")).to_be_visible()
    row = page.locator("table.documents tr", has_text="credencial INE.jpg")
    expect(row).to_contain_text("Imagen JPEG")
    assert serious_violations(page) == []
    with page.expect_download() as info:
        row.get_by_role("link", name=re.compile("^Descargar")).click()
    download = info.value
    assert download.suggested_filename == "credencial INE.jpg"
    data = Path(download.path()).read_bytes()
    assert data[:3] == b"\xff\xd8\xff" and b"Telefono de campo" not in data
    row.get_by_role("link", name="credencial INE.jpg", exact=True).click()
    expect(page.get_by_role("heading", name="Versiones")).to_be_visible()
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert scrolls_sideways(page) == []
    page.go_back()
    assert scrolls_sideways(page) == []
    logout(page)
