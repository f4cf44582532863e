"""HTML to PDF with WeasyPrint (over Debian's pango): one small helper any feature can call.

Templates rendered for paper carry their own print CSS (@page size, margins, running footer); the
helper adds nothing, fetches nothing from the network (no base URL: images must be inline).
"""
from __future__ import annotations

from dataclasses import dataclass

from weasyprint import HTML


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def html_to_pdf(html: str) -> Pdf:
    """Lay out `html` and return the PDF bytes and its page count."""
    document = HTML(string=html).render()
    return Pdf(document.write_pdf(), len(document.pages))
