"""Files as KoboToolbox, ODK Central and our template produce them, built in memory for tests and benchmarks."""
from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

from openpyxl import Workbook

from dfi_casos.imports import fields as f
from dfi_casos.registry.curp import make_curp

KOBO_MAIN = ["fecha_entrevista", *(f"evento/{n}" for n in f.EVENT_FIELDS), "hogar/estado", "hogar/municipio",
             "hogar/notas_hogar", "meta/instanceID", "_id", "_uuid", "_submission_time", "_index"]
KOBO_MEMBERS = [*(f"hogar/{f.MEMBERS}/{n}" for n in f.MEMBER_FIELDS), "_index", "_parent_table_name",
                "_parent_index", "_submission__id", "_submission__uuid"]


def member(given: str = "Juana", first: str = "Pérez", second: str = "López", relationship: str = "head",
           sex: str = "female", birth: str = "1985-03-14", curp: str | None = "", **extra: Any) -> dict[str, Any]:
    """One member's answers (CURP built from the name and date unless given; None leaves it out)."""
    answers = {"nombre": given, "primer_apellido": first, "segundo_apellido": second, "parentesco": relationship,
               "sexo": sex, "conoce_fecha": "si", "fecha_nacimiento": birth, "consentimiento_registro": "si",
               "consentimiento_estadisticas": "si", "metodo_consentimiento": "signed", **extra}
    if curp == "":
        from datetime import date
        answers["curp"] = make_curp(first, second, given, date.fromisoformat(birth),
                                    {"female": "M", "male": "H"}.get(sex, "X"), "GR")
    elif curp is not None:
        answers["curp"] = curp
    return answers


def household(*members: dict[str, Any], state: str = "12", municipality: str = "12001", **extra: Any) -> dict[str, Any]:
    """A household submission: its answers, its members and an instance id."""
    answers = {"estado": state, "municipio": municipality, "tipo_evento": "mass", "fecha_evento": "2026-03-01",
               "estado_origen": state, "municipio_origen": municipality, "causas": "generalized_violence", **extra}
    return {"uuid": str(uuid.uuid4()), "answers": answers, "members": list(members) or [member()]}


def _kobo_value(header: str, answers: dict[str, Any]) -> Any:
    return answers.get(header.split("/")[-1])


def kobo_xlsx(households: list[dict[str, Any]]) -> bytes:
    """KoboToolbox's XLSX export with XML values and headers: a main sheet and one sheet per repeat."""
    workbook = Workbook()
    main = workbook.active
    main.title = "Registro de hogares en despla"  # Kobo truncates the title to 31 characters
    main.append(KOBO_MAIN)
    members = workbook.create_sheet(f.MEMBERS)
    members.append(KOBO_MEMBERS)
    for number, item in enumerate(households, start=1):
        row = [_kobo_value(h, item["answers"]) for h in KOBO_MAIN[:-5]]
        main.append([*row, f"uuid:{item['uuid']}", number, item["uuid"], "2026-03-05T10:00:00", number])
        for answers in item["members"]:
            members.append([*(_kobo_value(h, answers) for h in KOBO_MEMBERS[:-5]), number, "registro_dfi",
                            number, number, item["uuid"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[list[Any]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def odk_zip(households: list[dict[str, Any]]) -> bytes:
    """ODK Central's CSV download: registro_dfi.csv and registro_dfi-miembros.csv, joined by PARENT_KEY -> KEY."""
    main_headers = ["SubmissionDate", "fecha_entrevista", *(f"evento-{n}" for n in f.EVENT_FIELDS), "hogar-estado",
                    "hogar-municipio", "hogar-notas_hogar", "meta-instanceID", "KEY", "SubmitterID", "ReviewState"]
    member_headers = [*(f"hogar-{f.MEMBERS}-{n}" for n in f.MEMBER_FIELDS), "PARENT_KEY", "KEY"]
    main_rows: list[list[Any]] = [main_headers]
    member_rows: list[list[Any]] = [member_headers]
    for item in households:
        key = f"uuid:{item['uuid']}"
        main_rows.append(["2026-03-05T10:00:00.000Z", *(item["answers"].get(h.split("-")[-1])
                                                        for h in main_headers[1:-4]), key, key, 7, ""])
        for index, answers in enumerate(item["members"], start=1):
            member_rows.append([*(answers.get(h.split("-")[-1]) for h in member_headers[:-2]), key,
                                f"{key}/hogar/{f.MEMBERS}[{index}]"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{f.FORM_ID}.csv", _csv(main_rows))
        archive.writestr(f"{f.FORM_ID}-{f.MEMBERS}.csv", _csv(member_rows))
    return buffer.getvalue()


TEMPLATE_HEADERS = ["hogar", "id_formulario", *f.HOUSEHOLD_FIELDS, *f.MEMBER_FIELDS]


def template_rows(households: list[dict[str, Any]], with_ids: bool = True) -> list[list[Any]]:
    rows: list[list[Any]] = [TEMPLATE_HEADERS]
    for number, item in enumerate(households, start=1):
        for answers in item["members"]:
            values = {**item["answers"], **answers, "hogar": number,
                      "id_formulario": item["uuid"] if with_ids else None}
            rows.append([values.get(h) for h in TEMPLATE_HEADERS])
    return rows


def template_csv(households: list[dict[str, Any]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Our template as CSV, one row per person."""
    return _csv(template_rows(households), delimiter).encode(encoding)
