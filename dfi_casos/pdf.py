"""HTML to PDF with WeasyPrint (over Debian's pango): one small helper any feature can call.

Templates rendered for paper carry their own print CSS (@page size, margins, running footer); the
helper adds nothing, fetches nothing from the network (no base URL: images must be inline).
WeasyPrint is imported on the first PDF, not when the app starts: loading it with pango and its
fonts takes seconds that every worker and every CLI command would otherwise pay.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def html_to_pdf(html: str) -> Pdf:
    """Lay out `html` and return the PDF bytes and its page count."""
    # deferred: WeasyPrint costs seconds to import (pango, fonts); only printing needs it.
    from weasyprint import HTML

    document = HTML(string=html).render()
    return Pdf(document.write_pdf(), len(document.pages))
