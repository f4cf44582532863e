"""What an uploaded file is, decided from its bytes: allowed types, names, images cleaned of their metadata.

A name or a browser's Content-Type is never believed: python-magic (libmagic) reads the content.
Images are decoded and re-encoded, which drops EXIF (GPS position, camera, date) and anything
hidden after the image data; a picture whose declared size would explode in memory is refused
before it is decoded.
"""
from __future__ import annotations

import html
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

import magic
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from dfi_casos.errors import DomainError

try:  # HEIC (iPhone photos): only when the pillow-heif wheel is installed; without it HEIC is refused clearly.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the platform's wheel
    HEIC_SUPPORTED = False

#: Types accepted, by the MIME type libmagic reports, with the extension the stored name gets.
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
HEIC_TYPES = frozenset({"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif"})
#: Office documents as institutions send them (oficios, lists): stored as they come, once checked for
#: active content (macros, embedded objects, remote templates) and compression bombs.
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
OFFICE_EXTENSIONS = {DOCX: "docx", XLSX: "xlsx", ODT: "odt", ODS: "ods"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", **OFFICE_EXTENSIONS}
ALLOWED_LABEL = _l("PDF, JPEG, PNG, HEIC (fotos de teléfono), Word (DOCX), Excel (XLSX) u OpenDocument (ODT, ODS)")
#: An office file is a ZIP: at most this many parts, and this many times the upload limit once unpacked.
OFFICE_MAX_PARTS = 2000
OFFICE_MAX_EXPANSION = 20
#: Parts that carry code or embedded programs (VBA, ActiveX, OLE objects, OpenDocument Basic and scripts).
_ACTIVE_PART = re.compile(r"(^|/)(vbaproject\.bin|vbadata\.xml)$|activex|(^|/)embeddings/.*\.bin$|"
                          r"^(basic|scripts)/|^xl/externallinks/", re.IGNORECASE)
#: A Word field that runs another program's data exchange (DDE/DDEAUTO) when the document opens. Field
#: instructions live in w:instrText runs (an instruction may be split across runs) or w:instr attributes.
_DDE_FIELD = re.compile(r"\bDDE(AUTO)?\b", re.IGNORECASE)
_INSTRUCTION = re.compile(r"<w:instrText\b[^>]*>([^<]*)</w:instrText>|\bw:instr\s*=\s*[\"']([^\"']*)[\"']")
_RELATIONSHIP = re.compile(r"<Relationship\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(\w+)\s*=\s*["\']([^"\']*)["\']')
#: Longest file name accepted (characters, extension included).
MAX_NAME_LENGTH = 120
#: Bytes read to decide the type.
SNIFF_BYTES = 8192


class DocumentError(DomainError):
    """An upload, replacement or deletion was refused; the message says why, in Spanish."""


@dataclass(frozen=True)
class Checked:
    """An accepted upload: its clean name, detected type, final bytes and what was done to it."""

    name: str
    mime: str
    data: bytes
    note: str | None = None


def clean_name(raw: str) -> str:
    """The file name to keep, or DocumentError: no path, no control characters, not too long."""
    name = unicodedata.normalize("NFC", raw or "").strip()
    if not name:
        raise DocumentError(_("El archivo no tiene nombre."), field="file")
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name.split("."):
        raise DocumentError(_("El nombre del archivo no puede incluir rutas ni «..»; cámbielo y vuelva a subirlo."),
                            field="file")
    if len(name) > MAX_NAME_LENGTH:
        raise DocumentError(_("El nombre del archivo es demasiado largo (%(n)s caracteres; máximo %(max)s). "
                              "Acórtelo y vuelva a subirlo.", n=len(name), max=MAX_NAME_LENGTH), field="file")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise DocumentError(_("El nombre del archivo tiene caracteres no válidos."), field="file")
    return name.lstrip(".") or "documento"


def with_extension(name: str, mime: str) -> str:
    """`name` ending in the extension of its real type (an «acta.pdf» that is a JPEG becomes «acta.jpg»)."""
    stem, dot, ext = name.rpartition(".")
    wanted = EXTENSIONS[mime]
    if dot and stem and ext.lower() in {"pdf", "jpg", "jpeg", "png", "heic", "heif", "docx", "xlsx", "odt", "ods",
                                        "doc", "xls"}:
        name = stem
    if name.lower().endswith("." + wanted):
        return name
    return f"{name}.{wanted}"


def detect_type(head: bytes) -> str:
    """The MIME type libmagic reads in the first bytes of a file."""
    return str(magic.from_buffer(head, mime=True))


def check_upload(raw_name: str, data: bytes, *, max_bytes: int, max_pixels: int) -> Checked:
    """Accept or refuse an upload: name, size, type from the content, images re-encoded without metadata."""
    name = clean_name(raw_name)
    if not data:
        raise DocumentError(_("El archivo está vacío (0 bytes)."), field="file")
    if len(data) > max_bytes:
        raise DocumentError(_("El archivo pesa %(size)s; el máximo es %(max)s.", size=megabytes(len(data)),
                              max=megabytes(max_bytes)), field="file")
    mime = detect_type(data[:SNIFF_BYTES])
    if mime == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise DocumentError(_("El PDF está incompleto o dañado (¿se interrumpió la descarga?)."), field="file")
        return Checked(with_extension(name, PDF), PDF, data)
    if mime in OFFICE_EXTENSIONS:
        _check_office(data, max_bytes)
        return Checked(with_extension(name, mime), mime, data)
    if mime in (JPEG, PNG) or mime in HEIC_TYPES:
        if mime in HEIC_TYPES and not HEIC_SUPPORTED:
            raise DocumentError(_("Las fotos HEIC no se pueden convertir en este servidor; envíelas como JPEG."),
                                field="file")
        return _clean_image(name, data, mime, max_pixels=max_pixels, max_bytes=max_bytes)
    raise DocumentError(_("Tipo de archivo no permitido (%(mime)s). Se aceptan %(allowed)s; el tipo se reconoce "
                          "por el contenido, no por el nombre.", mime=mime, allowed=ALLOWED_LABEL), field="file")


def _check_office(data: bytes, max_bytes: int) -> None:
    """Refuse an office document that is damaged, a compression bomb, or carries active content.

    The file is kept as sent (it cannot be re-encoded like a picture), so what could run when a colleague
    opens it is refused: macros (VBA, Basic), ActiveX controls, embedded programs (OLE objects), DDE
    fields, links to other workbooks, and templates or objects fetched from the internet on opening
    (external relationships other than links to web pages).
    """
    active = _("El documento contiene macros, controles o programas incrustados, o se conecta a internet al "
               "abrirse. Guárdelo como PDF (o como documento sin macros) y vuelva a subirlo.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > OFFICE_MAX_PARTS or sum(p.file_size for p in parts) > OFFICE_MAX_EXPANSION * max_bytes:
                raise DocumentError(_("El documento se expande demasiado al abrirse; no se acepta."), field="file")
            for part in parts:
                if _ACTIVE_PART.search(part.filename):
                    raise DocumentError(active, field="file")
                if part.filename == "[Content_Types].xml" and b"macroenabled" in archive.read(part).lower():
                    raise DocumentError(active, field="file")
                if part.filename.endswith(".rels") and _external_content(archive.read(part)):
                    raise DocumentError(active, field="file")
                if part.filename.startswith("word/") and part.filename.endswith(".xml") and \
                        _runs_dde(archive.read(part)):
                    raise DocumentError(active, field="file")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise DocumentError(_("El documento está dañado o incompleto; no se pudo leer."), field="file") from None


def _runs_dde(xml: bytes) -> bool:
    """Whether a Word part's field instructions, joined in order and unescaped, call DDE (not its plain text)."""
    text = xml.decode("utf-8", errors="replace")
    instructions = "".join(run or attribute for run, attribute in _INSTRUCTION.findall(text))
    return bool(_DDE_FIELD.search(html.unescape(instructions)))


def _external_content(rels: bytes) -> bool:
    """Whether a relationships part fetches something from outside on opening (links to web pages are fine)."""
    text = html.unescape(rels.decode("utf-8", errors="replace"))
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        return True  # OOXML parts have no DTD: one here can only be hiding something
    for match in _RELATIONSHIP.finditer(text):
        attributes = {key.lower(): value for key, value in _ATTRIBUTE.findall(match.group(1))}
        if attributes.get("targetmode", "").lower() == "external" and \
                not attributes.get("type", "").lower().endswith("/hyperlink"):
            return True
    return False


def megabytes(size: int) -> str:
    """A size for a person: «15 MB»."""
    value = size / (1024 * 1024)
    return f"{value:.1f} MB".replace(".0 MB", " MB") if value < 10 else f"{value:.0f} MB"


def _clean_image(name: str, data: bytes, mime: str, *, max_pixels: int, max_bytes: int) -> Checked:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            # The header says how big the decoded picture would be: refuse before decoding a bomb.
            width, height = image.size
            if width * height > max_pixels:
                raise DocumentError(
                    _("La imagen mide %(width)s×%(height)s píxeles; el máximo es %(max)s megapíxeles. Redúzcala o "
                      "envíela como PDF.", width=width, height=height, max=max_pixels // 1_000_000), field="file")
            image.load()
            image = ImageOps.exif_transpose(image)  # keep it upright once the orientation tag is gone
    except DocumentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(_("La imagen es demasiado grande al descomprimirse; no se acepta."), field="file") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise DocumentError(_("La imagen está dañada o incompleta; no se pudo leer."), field="file") from None
    out = io.BytesIO()
    if mime == PNG:
        # Re-encoding writes only the pixels: no EXIF, no text chunks, nothing after IEND.
        image.save(out, format="PNG", optimize=False)
        target, note = PNG, "metadatos eliminados"
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90)
        target = JPEG
        note = "HEIC convertido a JPEG, metadatos eliminados" if mime in HEIC_TYPES else "EXIF eliminado"
    cleaned = out.getvalue()
    if len(cleaned) > max_bytes:
        raise DocumentError(_("La imagen ocupa %(size)s al limpiarla; el máximo es %(max)s.",
                              size=megabytes(len(cleaned)), max=megabytes(max_bytes)), field="file")
    return Checked(with_extension(name, target), target, cleaned, note)
