from __future__ import annotations

from datetime import date, time

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from radlink.reports.tables import launches, reports
from radlink.runtime import Runtime
from tests.conftest import World
from tests.reports.helpers import LAUNCH, decode_data_uri, seed_body, simple_body


def _report(engine: Engine, accession: str) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        row = conn.execute(select(reports).where(reports.c.accession == accession)).one()
    return dict(row._mapping)


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return len(conn.execute(select(table.c.id)).all())


def test_seed_example_returns_prelaunch_with_a_small_dark_qr(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    response = client.post(LAUNCH, json=seed_body(), headers=world.alice.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status"] == "PreLaunch"
    assert data["owner"] == {}
    assert data["reportLink"].startswith("http://testserver/r/")
    assert data["reportQrCode"] == data["reportQRCode"]
    image, texts = decode_data_uri(data["reportQrCode"])
    assert image.size == (80, 80)
    # Dark mode: the corner pixel (quiet zone) is dark.
    assert image.convert("L").getpixel((0, 0)) == 0
    assert [t.lower() for t in texts] == [data["reportLink"].lower()]
    assert _count(runtime.engine, reports) == 0


def test_lazy_launch_stores_tags_encrypted(
    client: TestClient, world: World, engine: Engine
) -> None:
    client.post(LAUNCH, json=seed_body(), headers=world.alice.headers)
    with engine.connect() as conn:
        payload = conn.execute(select(launches.c.pending_payload)).scalar_one()
    assert b"test-mrn" not in payload and b"John" not in payload and b"colon" not in payload


def test_link_carries_no_tag_values(client: TestClient, world: World) -> None:
    data = client.post(LAUNCH, json=seed_body(result="link"), headers=world.alice.headers).json()
    assert "reportQrCode" not in data
    for value in ("test-accession", "test-mrn", "site-a", "John"):
        assert value.lower() not in data["reportLink"].lower()


def test_non_lazy_launch_creates_a_draft_owned_by_the_caller(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = seed_body(lazyLaunch=False, result="link")
    body["tags"]["KeyFindings"] = "Liver lesion 2 cm."
    data = client.post(LAUNCH, json=body, headers=world.alice.headers).json()
    assert data["status"] == "Draft"
    assert data["owner"] == {"name": "Alice Adams", "email": "alice@a.example"}
    row = _report(engine, "test-accession")
    assert row["findings"] == "Liver lesion 2 cm."
    assert row["patient_birth_date"] == date(1975, 1, 2)  # month-first, as the seed means it
    assert row["study_date"] == date(2024, 5, 2)
    assert row["study_time"] == time(12, 20, 9)
    assert row["patient_age"] == "050Y"
    assert row["return_format"] == "HL7"
    assert row["study_instance_uid"] is None


def test_repeat_launch_returns_the_same_link_and_status(client: TestClient, world: World) -> None:
    first = client.post(LAUNCH, json=simple_body("A1"), headers=world.alice.headers).json()
    again = client.post(LAUNCH, json=simple_body("A1"), headers=world.bob.headers).json()
    assert again["reportLink"] == first["reportLink"]
    assert again["status"] == "Draft"
    assert again["owner"]["email"] == "alice@a.example"  # bob's launch does not take it over


def test_repeat_lazy_launch_keeps_the_link_and_updates_pending_tags(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    from radlink.reports import service

    body = simple_body("L1")
    body["lazyLaunch"] = True
    first = client.post(LAUNCH, json=body, headers=world.alice.headers).json()
    body["tags"]["Modality"] = "MR"
    second = client.post(LAUNCH, json=body, headers=world.alice.headers).json()
    assert first["reportLink"] == second["reportLink"] and second["status"] == "PreLaunch"
    launch_id = runtime.links.decode(first["reportLink"].rsplit("/", 1)[1])
    assert launch_id is not None
    service.open_launch(
        runtime.engine, runtime.sealer, launch_id=launch_id, user_id=world.bob.user_id
    )
    assert _report(runtime.engine, "L1")["modality"] == "MR"


def test_draft_context_is_updated_but_not_the_radiologists_text(
    client: TestClient, world: World, engine: Engine
) -> None:
    client.post(
        LAUNCH,
        json=simple_body("D1", KeyFindings="first", Modality="CT"),
        headers=world.alice.headers,
    )
    with engine.begin() as conn:
        conn.execute(reports.update().values(findings="typed by radiologist"))
    client.post(
        LAUNCH,
        json=simple_body("D1", KeyFindings="second", Modality="MR"),
        headers=world.alice.headers,
    )
    row = _report(engine, "D1")
    assert row["modality"] == "MR" and row["key_findings"] == "second"
    assert row["findings"] == "typed by radiologist"


def test_final_report_is_never_changed_by_a_launch(
    client: TestClient, world: World, engine: Engine
) -> None:
    first = client.post(LAUNCH, json=simple_body("F1", Modality="CT"), headers=world.alice.headers)
    with engine.begin() as conn:
        conn.execute(reports.update().values(status="Final"))
    again = client.post(LAUNCH, json=simple_body("F1", Modality="MR"), headers=world.alice.headers)
    assert again.json()["status"] == "Final"
    assert again.json()["reportLink"] == first.json()["reportLink"]
    assert _report(engine, "F1")["modality"] == "CT"


def test_non_lazy_launch_after_a_lazy_one_creates_the_report_with_the_same_link(
    client: TestClient, world: World, engine: Engine
) -> None:
    lazy = simple_body("P1", Modality="CT")
    lazy["lazyLaunch"] = "true"
    first = client.post(LAUNCH, json=lazy, headers=world.alice.headers).json()
    second = client.post(
        LAUNCH, json=simple_body("P1", BodyPartExamined="Chest"), headers=world.bob.headers
    ).json()
    assert second["status"] == "Draft" and second["reportLink"] == first["reportLink"]
    assert second["owner"]["email"] == "bob@a.example"
    row = _report(engine, "P1")
    assert (row["modality"], row["body_part"]) == ("CT", "Chest")  # pending tags kept, merged


def test_newer_body_shape_with_clinical_info_and_reporting_app(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = {
        "clinicalInfo": {
            "SiteID": "site-a",
            "Accession": "N1",
            "StudyDate": "2024-01-31",
            "StudyTime": "",
            "StudyInstanceUID": "",
            "ReferringPhysician": "Dr Who",
            "Notes": "n",
        },
        "reportingApp": {
            "AppLanguage": "ja",
            "SpeechLanguage": "zh-TW",
            "ReturnFormat": "hl7",
            "SyncLaunch": True,
        },
        "response": {"type": "qrcode"},
    }
    data = client.post(LAUNCH, json=body, headers=world.alice.headers).json()
    assert set(data) == {"status", "owner", "reportQrCode", "reportQRCode"}
    row = _report(engine, "N1")
    assert (row["app_language"], row["speech_language"], row["return_format"]) == (
        "ja",
        "zh-Hant",
        "HL7",
    )
    assert row["study_date"] == date(2024, 1, 31) and row["referring_physician"] == "Dr Who"


def test_tag_names_match_case_insensitively(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = {
        "TAGS": {"siteid": "site-a", "ACCESSION": "C1", "patientname": "Doe^John^Q"},
        "Result": "LINK",
    }
    assert client.post(LAUNCH, json=body, headers=world.alice.headers).status_code == 200
    row = _report(engine, "C1")
    assert (row["patient_family_name"], row["patient_given_name"]) == ("Doe", "John")
    assert row["patient_name"] == "Doe, John Q"


def test_status_endpoint_reports_without_changing_anything(
    client: TestClient, world: World, engine: Engine
) -> None:
    lazy = simple_body("S1")
    lazy["lazyLaunch"] = True
    link = client.post(LAUNCH, json=lazy, headers=world.alice.headers).json()["reportLink"]
    status = client.post(
        "/api/report/status",
        json={"SiteID": "site-a", "Accession": "S1"},
        headers=world.bob.headers,
    )
    assert status.json() == {"status": "PreLaunch", "owner": {}, "reportLink": link}
    assert _count(engine, reports) == 0
    missing = client.post(
        "/api/report/status",
        json={"SiteID": "site-a", "Accession": "nope"},
        headers=world.bob.headers,
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "nope" not in missing.text


def test_same_accession_at_two_sites_gives_two_reports(
    client: TestClient, world: World, engine: Engine
) -> None:
    from radlink.accounts.service import create_user

    create_user(
        engine,
        email="dual@x.example",
        name="Dual",
        password=None,
        sites=[("site-a", "radiologist"), ("site-b", "radiologist")],
    )
    a = client.post(LAUNCH, json=simple_body("SAME"), headers=world.alice.headers).json()
    b_body = simple_body("SAME")
    b_body["tags"]["SiteID"] = "site-b"
    b = client.post(LAUNCH, json=b_body, headers=world.mallory.headers).json()
    assert a["reportLink"] != b["reportLink"]
    assert _count(engine, reports) == 2
