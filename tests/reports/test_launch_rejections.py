from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from radlink.reports.tables import reports
from tests.conftest import World
from tests.reports.helpers import LAUNCH, seed_body, simple_body


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("tag", "value", "field_hint"),
    [
        ("PatientBirthDate", "13131975", "date"),
        ("PatientBirthDate", "02301975", "date"),  # 30 February
        ("PatientBirthDate", "2199-01-01", "future"),
        ("PatientBirthDate", "1975/01/02", "YYYYMMDD"),
        ("StudyDate", "20241301", "date"),
        ("StudyTime", "250000", "time"),
        ("StudyTime", "12h30", "HHMMSS"),
        ("PatientSex", "X", "M, F, O, U"),
        ("PatientAge", "fifty", "years"),
        ("PatientAge", "200Y", "range"),
        ("AppLanguage", "xx", "en, es"),
        ("SpeechLanguage", "zh", "zh-CN"),
        ("StudyInstanceUID", "1.2.abc", "UID"),
        ("StudyInstanceUID", "1." + "2" * 70, "64"),
        ("ReturnFormat", "FHIR", "HL7"),
        ("Modality", "X" * 17, "16"),
        ("KeyFindings", "x" * 65537, "65536"),
    ],
)
def test_invalid_tag_values_are_rejected_naming_the_field(
    client: TestClient, world: World, tag: str, value: str, field_hint: str
) -> None:
    response = client.post(
        LAUNCH, json=simple_body("R1", **{tag: value}), headers=world.alice.headers
    )
    errors = _errors(response)
    assert list(errors) == [f"tags.{tag}"]
    assert field_hint in errors[f"tags.{tag}"]
    if 5 <= len(value) < 50:
        assert value not in response.text  # values may be patient data: never echoed


def test_unknown_tag_is_rejected_not_dropped(client: TestClient, world: World) -> None:
    errors = _errors(
        client.post(LAUNCH, json=simple_body("R2", KeyFinding="typo"), headers=world.alice.headers)
    )
    assert "tags.KeyFinding" in errors and "not a supported field" in errors["tags.KeyFinding"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tags": {"Accession": "x", "SiteID": "site-a"}}, "result"),
        ({"tags": {"SiteID": "site-a"}, "result": "link"}, "tags.Accession"),
        ({"result": "link"}, "tags"),
        ({"tags": {"SiteID": "site-a", "Accession": "x"}, "result": "pdf"}, "result"),
        (
            {"tags": {"SiteID": "site-a", "Accession": "x"}, "result": "link", "lazyLaunch": "yes"},
            "lazyLaunch",
        ),
        (
            {"tags": {"SiteID": "site-a", "Accession": "x"}, "result": "all", "qrCodeSize": "huge"},
            "qrCodeSize",
        ),
        (
            {"tags": {"SiteID": "site-a", "Accession": "x"}, "result": "all", "qrCodeMode": "blue"},
            "qrCodeMode",
        ),
        (
            {
                "tags": {"SiteID": "site-a", "Accession": "x"},
                "result": "link",
                "response": {"type": "all"},
            },
            "response.type",
        ),
        ({"tags": {"SiteID": "site-a", "Accession": "x"}, "result": "link", "extra": 1}, "extra"),
        (
            {
                "tags": {"SiteID": "site-a", "Accession": "x", "AppLanguage": "ja"},
                "result": "link",
                "reportingApp": {"AppLanguage": "fr"},
            },
            "reportingApp.AppLanguage",
        ),
        (
            {
                "tags": {"SiteID": "site-a", "Accession": "x"},
                "clinicalInfo": {"SiteID": "site-a", "Accession": "x"},
                "result": "link",
            },
            "clinicalInfo",
        ),
        (
            {
                "tags": {"SiteID": "site-a", "Accession": "x"},
                "result": "link",
                "userInfo": {"UserName": "No Email"},  # assignment needs UserEmail
            },
            "userInfo.UserEmail",
        ),
    ],
)
def test_invalid_envelopes_are_rejected(
    client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    errors = _errors(client.post(LAUNCH, json=body, headers=world.alice.headers))
    assert field in errors, errors


def test_a_rejected_launch_changes_nothing_stored(
    client: TestClient, world: World, engine: Engine
) -> None:
    client.post(LAUNCH, json=simple_body("KEEP", Modality="CT"), headers=world.alice.headers)
    bad = client.post(
        LAUNCH, json=simple_body("KEEP", Modality="MR", PatientSex="?"), headers=world.alice.headers
    )
    assert bad.status_code == 422
    with engine.connect() as conn:
        assert conn.execute(select(reports.c.modality)).scalar_one() == "CT"


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        ({"content-type": "text/plain"}, b"{}", 415),
        ({"content-type": "application/x-www-form-urlencoded"}, b"a=b", 415),
        ({"content-type": "application/json"}, b"{not json", 400),
        ({"content-type": "application/json"}, b'{"a": "\xff\xfe"}', 400),
        ({"content-type": "application/json"}, b"[" * 100_000 + b"]" * 100_000, 400),
        ({"content-type": "application/json"}, b"[1, 2]", 422),
        ({"content-type": "application/json"}, b'{"tags": ' + b" " * (1024 * 1024) + b"{}}", 413),
    ],
)
def test_malformed_bodies_get_clear_errors(
    client: TestClient, world: World, headers: dict[str, str], content: bytes, status: int
) -> None:
    response = client.post(LAUNCH, content=content, headers={**world.alice.headers, **headers})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {"type", "title", "status"} <= set(response.json())


def test_missing_token_is_401(client: TestClient, world: World) -> None:
    response = client.post(LAUNCH, json=seed_body())
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401(client: TestClient, world: World) -> None:
    token = world.alice.token[:-4] + "AAAA"
    response = client.post(LAUNCH, json=seed_body(), headers={"x-access-token": token})
    assert response.status_code == 401


def test_bearer_authorization_header_is_accepted(client: TestClient, world: World) -> None:
    response = client.post(
        LAUNCH, json=seed_body(), headers={"Authorization": f"Bearer {world.alice.token}"}
    )
    assert response.status_code == 200


def test_non_member_and_unknown_site_get_the_same_403(client: TestClient, world: World) -> None:
    other = client.post(LAUNCH, json=seed_body(), headers=world.mallory.headers)
    missing = client.post(LAUNCH, json=seed_body(site="no-such-site"), headers=world.alice.headers)
    assert other.status_code == missing.status_code == 403
    assert other.json() == missing.json()
