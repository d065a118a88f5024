"""The published example request, sent exactly as printed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from radlink.sites.service import create_site
from tests.conftest import make_persona
from tests.reports.helpers import LAUNCH, decode_data_uri, seed_body


def test_the_published_example_verbatim_returns_prelaunch_and_a_small_dark_qr(
    client: TestClient, engine: Engine
) -> None:
    create_site(engine, site_key="test", name="Test")
    tester = make_persona(engine, "tester@x.example", "Test User", [("test", "radiologist")])
    body = seed_body(site="test")  # exactly the example: "mini", "dark", lazyLaunch "True"
    assert body["tags"]["SiteID"] == "test" and body["lazyLaunch"] == "True"
    response = client.post(LAUNCH, json=body, headers=tester.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status"] == "PreLaunch" and data["owner"] == {}
    image, texts = decode_data_uri(data["reportQRCode"])
    assert image.size == (80, 80) and [t.lower() for t in texts] == [data["reportLink"].lower()]
    again = client.post(LAUNCH, json=body, headers=tester.headers).json()
    assert again["reportLink"] == data["reportLink"]
