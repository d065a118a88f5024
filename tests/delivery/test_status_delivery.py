"""What an integrator sees of HL7 delivery through the status and launch endpoints."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from radlink.delivery.worker import Worker
from radlink.runtime import Runtime
from tests.conftest import World
from tests.delivery.helpers import FAST, drain, mllp_to, signed
from tests.delivery.hl7.peers import FakeRis
from tests.reports.helpers import LAUNCH


def test_status_of_a_signed_report_tells_whether_hl7_was_delivered(
    client: TestClient, world: World, runtime: Runtime, fake_ris: Callable[..., FakeRis]
) -> None:
    peer = fake_ris("AR")
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "DLV-1")
    ask = {"SiteID": "site-a", "Accession": "DLV-1"}
    before = client.post("/api/report/status", json=ask, headers=world.alice.headers).json()
    assert before["status"] == "Final"
    assert before["delivery"] == {
        "state": "pending",
        "attempts": 0,
        "lastError": None,
        "deliveredAt": None,
    }
    drain(Worker(runtime.engine, FAST))
    after = client.post("/api/report/status", json=ask, headers=world.alice.headers).json()
    assert after["delivery"]["state"] == "parked" and after["delivery"]["attempts"] == 1
    assert after["delivery"]["lastError"].startswith("AR")
    relaunch = client.post(
        LAUNCH, json={"tags": ask, "result": "link"}, headers=world.alice.headers
    ).json()
    assert relaunch["delivery"]["state"] == "parked"
