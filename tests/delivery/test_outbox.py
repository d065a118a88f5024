"""Signing queues HL7 in the signing transaction; workers deliver it to a real MLLP peer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import hl7
import pytest
from sqlalchemy import select

from radlink.db import utcnow, write_tx
from radlink.delivery import service as delivery_service
from radlink.delivery.hl7.ack import ACK_CODES
from radlink.delivery.worker import Worker
from radlink.reports import editor
from radlink.reports.signing import on_report_signed
from radlink.reports.tables import reports
from radlink.runtime import Runtime
from tests.conftest import World
from tests.delivery.helpers import FAST, control_id, draft, drain, messages, mllp_to, signed
from tests.delivery.hl7.certs import TlsFiles
from tests.delivery.hl7.peers import FakeRis
from tests.delivery.hl7.test_mllp_transport import server_context

Peer = Callable[..., FakeRis]


def test_signed_report_is_delivered_once_with_aa(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port)
    report_id = signed(runtime, world.alice, "ACC-1", findings="Liver: normal.\nSpleen: normal.")
    worker = Worker(runtime.engine, FAST)
    assert drain(worker) == 1
    worker.close()
    assert len(peer.received) == 1
    message = hl7.parse(peer.received[0].decode("utf-8"))
    assert str(message.segment("MSH")[9]) == "ORU^R01^ORU_R01"
    assert str(message.segment("OBR")[25]) == "F"
    assert str(message.segment("OBR")[3]) == "ACC-1"
    [row] = messages(runtime.engine)
    assert (row.state, row.attempts, row.ack_code) == ("delivered", 1, "AA")
    assert row.report_id == report_id and row.delivered_at is not None
    summary = delivery_service.delivery_summary(runtime.engine, report_id=report_id)
    assert summary is not None and summary["state"] == "delivered"


def test_no_return_format_queues_nothing(runtime: Runtime, world: World) -> None:
    report_id = draft(runtime, world.alice, "ACC-2", ReturnFormat="")
    editor.sign_report(
        runtime.engine,
        report_id=report_id,
        user_id=world.alice.user_id,
        revision=1,
        findings="x",
        impression="y",
    )
    assert messages(runtime.engine) == []


def test_a_failed_signature_queues_nothing(
    runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radlink.delivery import outbox

    report_id = draft(runtime, world.alice, "ACC-3")
    original = outbox.enqueue_signed_report

    def enqueue_then_fail(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("crash inside the signing transaction")

    monkeypatch.setattr(outbox, "enqueue_signed_report", enqueue_then_fail)
    with pytest.raises(RuntimeError):
        editor.sign_report(
            runtime.engine,
            report_id=report_id,
            user_id=world.alice.user_id,
            revision=1,
            findings="x",
            impression="y",
        )
    assert messages(runtime.engine) == []
    with runtime.engine.connect() as conn:
        assert conn.execute(select(reports.c.status)).scalar_one() == "Draft"


def test_site_without_destination_records_then_sends_once_configured(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    signed(runtime, world.alice, "ACC-4")
    [row] = messages(runtime.engine)
    assert row.state == "no-destination"
    worker = Worker(runtime.engine, FAST)
    assert drain(worker) == 0
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port, receiving_app="RIS", receiving_facility="GENERAL")
    assert drain(worker) == 1
    worker.close()
    [row] = messages(runtime.engine)
    assert row.state == "delivered"
    msh = hl7.parse(peer.received[0].decode()).segment("MSH")
    assert (str(msh[5]), str(msh[6])) == ("RIS", "GENERAL")


def test_ae_is_retried_with_the_same_bytes_then_delivered_once(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AE")
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "ACC-5")
    worker = Worker(runtime.engine, FAST)
    assert worker.run_once()
    [row] = messages(runtime.engine)
    assert (row.state, row.ack_code) == ("pending", "AE")
    assert row.next_attempt_at > utcnow() - timedelta(seconds=1)
    peer.mode = "AA"
    time.sleep(0.06)
    assert drain(worker) == 1
    worker.close()
    assert len(peer.received) == 2 and peer.received[0] == peer.received[1]
    [row] = messages(runtime.engine)
    assert (row.state, row.attempts) == ("delivered", 2)
    _, attempts = delivery_service.message_detail(runtime.engine, message_id=row.id)
    assert [a.outcome for a in attempts] == ["retry", "delivered"]
    assert [a.ack_code for a in attempts] == ["AE", "AA"]


def test_ar_is_parked_with_the_reason_and_retried_only_by_hand(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AR")
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "ACC-6")
    worker = Worker(runtime.engine, FAST)
    assert drain(worker) == 1
    [row] = messages(runtime.engine)
    assert row.state == "parked" and row.last_error and row.last_error.startswith("AR")
    time.sleep(0.06)
    assert drain(worker) == 0  # no automatic retry
    peer.mode = "AA"
    delivery_service.retry(runtime.engine, message_id=row.id)
    assert drain(worker) == 1
    worker.close()
    assert messages(runtime.engine)[0].state == "delivered"


def test_a_parked_message_does_not_block_other_reports(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AR")
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "ACC-7")
    worker = Worker(runtime.engine, FAST)
    drain(worker)
    peer.mode = "AA"
    signed(runtime, world.alice, "ACC-8")
    assert drain(worker) == 1
    worker.close()
    assert [m.state for m in messages(runtime.engine)] == ["parked", "delivered"]


def test_receiver_down_then_up(
    runtime: Runtime, world: World, fake_ris: Peer, free_port: int
) -> None:
    mllp_to(runtime.engine, free_port)
    signed(runtime, world.alice, "ACC-9")
    worker = Worker(runtime.engine, FAST)
    assert worker.run_once()
    [row] = messages(runtime.engine)
    assert row.state == "pending" and row.last_error
    peer = fake_ris("AA", port=free_port)
    time.sleep(0.06)
    assert drain(worker) == 1
    worker.close()
    assert messages(runtime.engine)[0].state == "delivered" and len(peer.received) == 1


def test_ack_that_never_comes_times_out_then_retries(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("silent")
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "ACC-10")
    worker = Worker(runtime.engine, replace(FAST, ack_timeout=0.3))
    started = time.monotonic()
    assert worker.run_once()
    assert time.monotonic() - started < 3
    [row] = messages(runtime.engine)
    assert (row.state == "pending" and "ACK" in (row.last_error or "").upper()) or row.last_error
    peer.mode = "AA"
    time.sleep(0.06)
    assert drain(worker) == 1
    worker.close()
    assert messages(runtime.engine)[0].state == "delivered"
    assert len({control_id(raw) for raw in peer.received}) == 1


def test_addendum_follows_its_final_as_a_correction(
    runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port)
    report_id = signed(runtime, world.alice, "ACC-11", findings="Original findings.")
    editor.add_addendum(
        runtime.engine,
        report_id=report_id,
        user_id=world.alice.user_id,
        text="Addendum: comparison with prior shows stability.",
    )
    worker = Worker(runtime.engine, FAST)
    assert drain(worker) == 2
    worker.close()
    first, second = (hl7.parse(raw.decode()) for raw in peer.received)
    assert str(first.segment("OBR")[25]) == "F" and str(second.segment("OBR")[25]) == "C"
    assert control_id(peer.received[0]) != control_id(peer.received[1])
    text = peer.received[1].decode()
    assert "Original findings." in text and "comparison with prior" in text
    assert all(str(obx[11]) == "C" for obx in second.segments("OBX"))


def test_japanese_report_arrives_byte_exact(runtime: Runtime, world: World, fake_ris: Peer) -> None:
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port)
    findings = "肝臓に2cmの低吸収域を認める。\n脾臓：正常。"
    signed(runtime, world.alice, "ACC-12", findings=findings, impression="転移の疑い。")
    drain(Worker(runtime.engine, FAST))
    [row] = messages(runtime.engine)
    assert peer.received[0] == row.payload.encode("utf-8")
    message = hl7.parse(peer.received[0].decode("utf-8"))
    values = [str(obx[5]) for obx in message.segments("OBX")]
    assert "肝臓に2cmの低吸収域を認める。" in values and "転移の疑い。" in values


def test_one_megabyte_report_is_delivered(runtime: Runtime, world: World, fake_ris: Peer) -> None:
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port)
    line = "Segment of a very long report with | ^ & ~ \\ delimiters.\n"
    report_id = draft(runtime, world.alice, "ACC-13")
    # Larger than the editor accepts per section: written directly, signed through the hook.
    now = utcnow()
    with write_tx(runtime.engine) as conn:
        conn.execute(
            reports.update().values(
                findings=line * (1024 * 1024 // len(line)),
                status="Final",
                signed_at=now,
                signed_by=world.alice.user_id,
            )
        )
        on_report_signed(conn, report_id=report_id, kind="final", now=now)
    # The test peer parses the whole message before answering: give it time.
    drain(Worker(runtime.engine, replace(FAST, ack_timeout=60, claim_seconds=120)))
    assert messages(runtime.engine)[0].state == "delivered"
    assert len(peer.received[0]) > 1024 * 1024


def test_tls_destination_with_a_private_ca(
    runtime: Runtime, world: World, fake_ris: Peer, tls_files: TlsFiles
) -> None:
    peer = fake_ris("AA", ssl_context=server_context(tls_files))
    mllp_to(runtime.engine, peer.port, tls=True, ca_file=str(tls_files.ca))
    signed(runtime, world.alice, "ACC-14")
    drain(Worker(runtime.engine, FAST))
    assert messages(runtime.engine)[0].state == "delivered" and len(peer.received) == 1


def test_http_destination(runtime: Runtime, world: World) -> None:
    from radlink.delivery.service import DestinationSpec, set_destinations
    from tests.delivery.hl7.peers import HttpAckServer

    with HttpAckServer(code="AA") as server:
        set_destinations(
            runtime.engine, site_key="site-a", specs=[DestinationSpec(kind="http", url=server.url)]
        )
        signed(runtime, world.alice, "ACC-15")
        drain(Worker(runtime.engine, FAST))
        assert messages(runtime.engine)[0].state == "delivered"
        assert len(server.requests) == 1


def test_every_ack_code_is_known() -> None:
    assert {"AA", "AE", "AR", "CA", "CE", "CR"} <= set(ACK_CODES)
