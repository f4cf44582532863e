"""Import through the pages: upload, report, confirm, batched commit, idempotence, scope and audit."""
from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from dfi_casos.cases.models import Case, StageTransition
from dfi_casos.imports.models import ImportedSubmission, ImportJob, ImportRow, JobStatus
from dfi_casos.registry.models import Consent, DisplacementEvent, DuplicateOverride, Household, Person
from dfi_casos.security.audit import AuditEvent
from tests import factories
from tests import import_files as files
from tests.conftest import csrf_token


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def upload(client, data, name="export.xlsx"):
    token = csrf_token(client, "/importar/")
    return client.post("/importar/", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def latest_job(db):
    return db.scalars(select(ImportJob).order_by(ImportJob.created_at.desc())).first()


def confirm(client, job, **extra):
    token = csrf_token(client, f"/importar/{job.id}")
    return client.post(f"/importar/{job.id}/confirmar",
                       data={"csrf_token": token, "stage": "assistance", "event_id": "", **extra})


def two_households():
    return [files.household(files.member(), files.member("Pedro", relationship="child", sex="male",
                                                         birth="2012-05-01")),
            files.household(files.member("Rosa", "Martínez", "Cruz"), state="12", municipality="12029",
                            municipio_origen="12001")]


def test_a_kobo_export_is_reported_then_imported_with_event_cases_and_consents(client, db, login_as):
    user = login_as("caseworker", ["12"])
    response = upload(client, files.kobo_xlsx(two_households()))
    assert response.status_code == 302, response.get_data(as_text=True)
    job = latest_job(db)
    assert (job.households_total, job.persons_total, job.households_valid) == (2, 3, 2)
    assert count(db, Person) == 0, "validation writes nothing in the registry"

    page = client.get(f"/importar/{job.id}").get_data(as_text=True)
    assert "Importar los hogares válidos" in page and "Listo para importar" in page
    assert confirm(client, job).status_code == 302

    db.expire_all()
    assert latest_job(db).status == JobStatus.DONE
    assert count(db, Household) == 2 and count(db, Person) == 3
    cases = db.scalars(select(Case)).all()
    assert len(cases) == 2 and {c.stage.value for c in cases} == {"assistance"}
    assert len({c.folio for c in cases}) == 2 and count(db, StageTransition) == 2
    assert count(db, DisplacementEvent) == 1, "households with the same event answers share one event"
    assert db.scalars(select(Household)).first().event_id is not None
    assert count(db, Consent) == 6, "registration and statistics consent for each person"
    person = db.scalars(select(Person).where(Person.registered_by_id == user.id)).first()
    assert person.curp and person.full_name()
    batch = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "import_batch")).one()
    details = json.loads(batch.details)
    assert len(details["persons"]) == 3 and len(details["households"]) == 2 and len(details["cases"]) == 2
    assert "Juana" not in batch.details and "curp" in details["fields"]
    assert db.scalars(select(ImportRow.data_enc).where(ImportRow.job_id == job.id)).all() == [None, None], \
        "the file's content is dropped once imported"


def test_importing_the_same_export_twice_creates_nothing_new(client, db, login_as):
    login_as("caseworker", ["12"])
    data = files.kobo_xlsx(two_households())
    upload(client, data)
    confirm(client, latest_job(db))
    upload(client, data)
    job = latest_job(db)
    assert job.households_valid == 0
    page = client.get(f"/importar/{job.id}").get_data(as_text=True)
    assert "ya se importó antes" in page
    assert count(db, Household) == 2 and count(db, ImportedSubmission) == 2


def test_an_odk_central_zip_and_our_template_are_imported_alike(client, db, login_as):
    login_as("supervisor", ["12"])
    upload(client, files.odk_zip(two_households()), "registro_dfi.zip")
    confirm(client, latest_job(db))
    upload(client, files.template_csv([files.household(files.member("Ana", "Ríos", "Luna"))]), "plantilla.csv")
    confirm(client, latest_job(db), stage="attention")
    assert count(db, Person) == 4
    assert {c.stage.value for c in db.scalars(select(Case))} == {"assistance", "attention"}


def test_rows_outside_the_territory_and_bad_rows_are_reported_and_never_imported(client, db, login_as):
    login_as("caseworker", ["12"])
    bad = files.household(files.member(curp="HEGG560427MVZRRL05", birth="31/02/1990"))
    elsewhere = files.household(files.member("Luz", "Gómez", "Paz"), state="07", municipality="07101")
    good = files.household(files.member("Eva", "Solís", "Mora"))
    upload(client, files.kobo_xlsx([bad, elsewhere, good]))
    job = latest_job(db)
    assert job.households_valid == 1
    page = client.get(f"/importar/{job.id}").get_data(as_text=True)
    assert "dígito verificador" in page and "la fecha no existe" in page
    assert "Chiapas está fuera de su territorio" in page
    confirm(client, job)
    assert count(db, Person) == 1


def test_a_possible_duplicate_in_the_registry_needs_a_reason_which_is_kept(client, db, login_as):
    user = login_as("caseworker", ["12"])
    existing = files.member("Marta", "Luna", "Sol")
    factories.make_person(db, registered_by=user, given_names="Marta", first_surname="Luna", second_surname="Sol",
                          curp=existing["curp"])
    upload(client, files.kobo_xlsx([files.household(existing)]))
    job = latest_job(db)
    assert "Posible duplicado en el registro (CURP" in client.get(f"/importar/{job.id}").get_data(as_text=True)
    response = confirm(client, job, include_duplicates="y")
    assert response.status_code == 400 and "escriba el motivo" in response.get_data(as_text=True)
    confirm(client, job, include_duplicates="y", duplicate_reason="Mismo nombre, otra persona: verificado")
    assert count(db, Person) == 2
    override = db.scalars(select(DuplicateOverride)).one()
    assert override.reason.startswith("Mismo nombre")


def test_someone_elses_import_is_an_audited_404(client, db, login_as):
    login_as("caseworker", ["12"])
    upload(client, files.kobo_xlsx(two_households()))
    job = latest_job(db)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("caseworker", ["12"])
    assert client.get(f"/importar/{job.id}").status_code == 404
    assert client.get(f"/importar/{job.id}/informe.csv").status_code == 404
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert any(e.object_type == "import_job" for e in denied)


def test_auditors_cannot_import(client, db, login_as):
    login_as("auditor", ["12"])
    assert client.get("/importar/").status_code == 404


def test_the_report_downloads_as_csv_and_is_audited_as_an_export(client, db, login_as):
    login_as("caseworker", ["12"])
    upload(client, files.kobo_xlsx([files.household(files.member(curp="HEGG560427MVZRRL05"))]))
    job = latest_job(db)
    response = client.get(f"/importar/{job.id}/informe.csv")
    assert response.status_code == 200 and "dígito verificador" in response.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() is not None


def test_the_form_and_the_templates_download(client, db, login_as):
    login_as("caseworker", ["12"])
    assert client.get("/importar/formulario.xlsx").data[:2] == b"PK"
    assert client.get("/importar/plantilla.xlsx").data[:2] == b"PK"
    assert client.get("/importar/plantilla.csv").get_data(as_text=True).lstrip("\ufeff").startswith("hogar,")


def test_an_upload_over_the_size_limit_is_refused_unread_with_a_spanish_message(client, db, login_as, app,
                                                                               monkeypatch):
    login_as("caseworker", ["12"])
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 200_000)
    response = upload(client, b"x" * 400_000, "enorme.csv")
    assert response.status_code == 413
    assert "pesa más de" in response.get_data(as_text=True)
    assert count(db, ImportJob) == 0


def test_a_file_that_is_not_a_spreadsheet_shows_the_reason_beside_the_field(client, db, login_as):
    login_as("caseworker", ["12"])
    response = upload(client, b"%PDF-1.4 not a sheet", "acta.pdf")
    assert response.status_code == 400
    assert "no es una hoja de cálculo" in response.get_data(as_text=True)
    assert count(db, ImportJob) == 0


def test_imported_persons_are_found_by_a_variant_of_their_name(client, db, login_as):
    from dfi_casos.registry.name_search import NameQuery, find_by_name

    login_as("caseworker", ["12"])
    upload(client, files.kobo_xlsx(two_households()))
    assert confirm(client, latest_job(db)).status_code == 302
    db.expire_all()
    hits = find_by_name(db, NameQuery(given_names="Rossa", first_surname="Martinez", second_surname="Krus"))
    assert hits and hits[0].person.full_name().startswith("Rosa"), "the batch path writes the name tokens too"
