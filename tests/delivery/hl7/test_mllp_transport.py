"""MllpTransport against a real MLLP peer (python-hl7's asyncio server) on loopback."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable

import pytest

from radlink.delivery.hl7 import (
    MllpTransport,
    ReportContent,
    Transport,
    TransportError,
    build_oru_r01,
    classify,
    message_bytes,
)

from .certs import TlsFiles
from .peers import FakeRis
from .samples import make_input, parse

PeerFactory = Callable[..., FakeRis]


def payload(control_id: str = "RPT98765-0001", findings: str | None = None) -> bytes:
    msg = make_input(control_id=control_id)
    if findings is not None:
        msg = make_input(control_id=control_id, content=ReportContent(findings, "Impression."))
    return message_bytes(build_oru_r01(msg))


def mllp_client(peer: FakeRis, **options: object) -> MllpTransport:
    options.setdefault("ack_timeout", 5.0)
    options.setdefault("connect_timeout", 5.0)
    return MllpTransport("127.0.0.1", peer.port, **options)  # type: ignore[arg-type]


def test_mllp_transport_satisfies_the_transport_protocol(fake_ris: PeerFactory) -> None:
    with mllp_client(fake_ris()) as transport:
        assert isinstance(transport, Transport)


def test_accepted_message_is_delivered_byte_exact(fake_ris: PeerFactory) -> None:
    peer = fake_ris("AA")
    data = payload()
    with mllp_client(peer) as transport:
        ack = transport.send(data, "RPT98765-0001")
    assert (ack.code, ack.control_id) == ("AA", "RPT98765-0001")
    assert classify(ack) == "delivered"
    assert peer.received == [data]


@pytest.mark.parametrize(
    ("mode", "outcome"), [("AE", "retry"), ("AR", "park"), ("CA", "delivered")]
)
def test_negative_acks_are_returned_for_the_caller_to_classify(
    fake_ris: PeerFactory, mode: str, outcome: str
) -> None:
    with mllp_client(fake_ris(mode)) as transport:
        ack = transport.send(payload(), "RPT98765-0001")
    assert ack.code == mode
    assert classify(ack) == outcome
    if mode != "CA":
        assert ack.text == f"test-induced {mode}"


def test_peer_closing_without_an_ack_is_a_temporary_error(fake_ris: PeerFactory) -> None:
    peer = fake_ris("drop")
    with mllp_client(peer) as transport, pytest.raises(TransportError, match="closed") as caught:
        transport.send(payload(), "RPT98765-0001")
    assert caught.value.permanent is False
    assert len(peer.received) == 1


def test_missing_ack_times_out_at_the_deadline(fake_ris: PeerFactory) -> None:
    started = time.monotonic()
    transport = mllp_client(fake_ris("silent"), ack_timeout=0.3)
    with transport, pytest.raises(TransportError, match=r"no ACK within 0\.3 s") as caught:
        transport.send(payload(), "RPT98765-0001")
    assert caught.value.permanent is False
    assert 0.25 < time.monotonic() - started < 3


def test_ack_for_another_message_is_a_temporary_error(fake_ris: PeerFactory) -> None:
    with mllp_client(fake_ris("wrong-id")) as transport, pytest.raises(TransportError) as caught:
        transport.send(payload(), "RPT98765-0001")
    assert "SOMETHING-ELSE" in str(caught.value)
    assert caught.value.permanent is False


def test_refused_connection_is_a_temporary_error(free_port: int) -> None:
    transport = MllpTransport("127.0.0.1", free_port, connect_timeout=2)
    with transport, pytest.raises(TransportError, match="cannot connect") as caught:
        transport.send(payload(), "RPT98765-0001")
    assert caught.value.permanent is False


def test_messages_share_one_kept_open_connection(fake_ris: PeerFactory) -> None:
    peer = fake_ris("AA")
    with mllp_client(peer) as transport:
        first = transport.send(payload("RPT-1"), "RPT-1")
        second = transport.send(payload("RPT-2"), "RPT-2")
    assert (first.control_id, second.control_id) == ("RPT-1", "RPT-2")
    assert peer.connections == 1
    assert [str(parse(m.decode())["MSH.10"]) for m in peer.received] == ["RPT-1", "RPT-2"]


def test_transport_reconnects_after_the_peer_hung_up(fake_ris: PeerFactory) -> None:
    peer = fake_ris("AA")
    with mllp_client(peer) as transport:
        transport.send(payload("RPT-1"), "RPT-1")
        peer.disconnect_all()
        time.sleep(0.05)  # let the FIN reach our socket
        assert transport.send(payload("RPT-2"), "RPT-2").code == "AA"
    assert peer.connections == 2


def test_transport_recovers_after_a_failed_send(fake_ris: PeerFactory) -> None:
    peer = fake_ris("drop")
    with mllp_client(peer) as transport:
        with pytest.raises(TransportError):
            transport.send(payload("RPT-1"), "RPT-1")
        peer.mode = "AA"
        # Resent with the same control id, as the outbox does after a temporary failure.
        assert transport.send(payload("RPT-1"), "RPT-1").code == "AA"
    assert peer.connections == 2


def test_one_megabyte_message_is_delivered(fake_ris: PeerFactory) -> None:
    peer = fake_ris("AA")
    data = payload(findings="\n".join(f"{n:06d} " + "x" * 90 for n in range(11_000)))
    assert len(data) > 1_000_000
    with mllp_client(peer) as transport:
        assert transport.send(data, "RPT98765-0001").code == "AA"
    assert peer.received == [data]


def test_japanese_report_reaches_the_peer_byte_exact(fake_ris: PeerFactory) -> None:
    peer = fake_ris("AA")
    data = payload(findings="右肺上葉に結節影を認めます。\n김민준 · Ștefan · Zażółć")
    with mllp_client(peer) as transport:
        assert transport.send(data, "RPT98765-0001").code == "AA"
    assert peer.received == [data]


def server_context(tls: TlsFiles, *, require_client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.server_cert, tls.server_key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(tls.ca)
    return context


def test_tls_with_a_verified_server_certificate(fake_ris: PeerFactory, tls_files: TlsFiles) -> None:
    peer = fake_ris("AA", server_context(tls_files))
    with mllp_client(peer, tls=True, ca_file=tls_files.ca) as transport:
        assert transport.send(payload("RPT-1"), "RPT-1").code == "AA"
        assert transport.send(payload("RPT-2"), "RPT-2").code == "AA"
    assert peer.connections == 1
    assert len(peer.received) == 2


def test_tls_refuses_a_server_signed_by_an_unknown_ca(
    fake_ris: PeerFactory, tls_files: TlsFiles
) -> None:
    peer = fake_ris("AA", server_context(tls_files))
    transport = mllp_client(peer, tls=True, ca_file=tls_files.other_ca)
    with transport, pytest.raises(TransportError, match="TLS") as caught:
        transport.send(payload(), "RPT98765-0001")
    assert caught.value.permanent is False
    assert peer.received == []


def test_mutual_tls_presents_the_client_certificate(
    fake_ris: PeerFactory, tls_files: TlsFiles
) -> None:
    peer = fake_ris("AA", server_context(tls_files, require_client_cert=True))
    options = {"tls": True, "ca_file": tls_files.ca}
    mutual = {**options, "cert_file": tls_files.client_cert, "key_file": tls_files.client_key}
    with mllp_client(peer, **mutual) as transport:
        assert transport.send(payload(), "RPT98765-0001").code == "AA"


def test_tls_options_without_tls_are_a_configuration_error(tls_files: TlsFiles) -> None:
    with pytest.raises(ValueError):
        MllpTransport("127.0.0.1", 1, ca_file=tls_files.ca)
