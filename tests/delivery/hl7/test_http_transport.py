"""HttpTransport against a standard-library HTTP server on loopback."""

from __future__ import annotations

import pytest

from radlink.delivery.hl7 import (
    HttpTransport,
    Transport,
    TransportError,
    build_oru_r01,
    classify,
    message_bytes,
)

from .peers import HttpAckServer
from .samples import make_input

PAYLOAD = message_bytes(build_oru_r01(make_input()))
CONTROL_ID = "RPT98765-0001"


def test_accepted_post_returns_the_ack() -> None:
    with HttpAckServer(200, "AA") as server:
        transport = HttpTransport(server.url, timeout=5)
        assert isinstance(transport, Transport)
        ack = transport.send(PAYLOAD, CONTROL_ID)
    assert (ack.code, ack.control_id, classify(ack)) == ("AA", CONTROL_ID, "delivered")
    assert server.requests == [("application/hl7-v2; charset=utf-8", PAYLOAD)]


def test_error_ack_in_a_2xx_response_is_left_to_classify() -> None:
    with HttpAckServer(200, "AE") as server:
        ack = HttpTransport(server.url, timeout=5).send(PAYLOAD, CONTROL_ID)
    assert classify(ack) == "retry"


def test_server_error_is_a_temporary_failure() -> None:
    with HttpAckServer(500, "AA") as server, pytest.raises(TransportError, match="500") as caught:
        HttpTransport(server.url, timeout=5).send(PAYLOAD, CONTROL_ID)
    assert caught.value.permanent is False


def test_client_error_is_a_permanent_failure() -> None:
    with HttpAckServer(400, "AR") as server, pytest.raises(TransportError, match="400") as caught:
        HttpTransport(server.url, timeout=5).send(PAYLOAD, CONTROL_ID)
    assert caught.value.permanent is True


def test_2xx_without_an_ack_body_is_not_delivery() -> None:
    with HttpAckServer(200, body=b"OK") as server, pytest.raises(TransportError, match="ACK"):
        HttpTransport(server.url, timeout=5).send(PAYLOAD, CONTROL_ID)


def test_unreachable_server_is_a_temporary_failure(free_port: int) -> None:
    transport = HttpTransport(f"http://127.0.0.1:{free_port}/hl7", timeout=2)
    with pytest.raises(TransportError) as caught:
        transport.send(PAYLOAD, CONTROL_ID)
    assert caught.value.permanent is False


@pytest.mark.parametrize("url", ["ftp://host/x", "/relative", "http://"])
def test_url_must_be_absolute_http(url: str) -> None:
    with pytest.raises(ValueError):
        HttpTransport(url)
