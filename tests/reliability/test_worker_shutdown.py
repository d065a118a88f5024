"""SIGTERM while `radlink worker` waits for an ACK: the attempt is finished, then it exits 0."""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path

import hl7
import pytest
from sqlalchemy import Engine

from radlink.delivery.hl7.mllp import Deframer, frame
from radlink.runtime import Runtime
from tests.conftest import World
from tests.delivery.helpers import messages, mllp_to, signed
from tests.delivery.hl7.peers import make_ack
from tests.reliability.servers import radlink_env, start


class DelayedAckPeer:
    """An MLLP receiver that holds its ACK until ``release`` is set (or 20 s pass)."""

    def __init__(self) -> None:
        self.received = threading.Event()
        self.release = threading.Event()
        self.acked: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(20)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with self._listener, self._listener.accept()[0] as conn:
            conn.settimeout(20)
            deframer = Deframer(2**20)
            blocks: list[bytes] = []
            while not blocks:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                blocks = deframer.feed(chunk)
            message = hl7.parse(blocks[0].decode("utf-8"))
            self.received.set()
            self.release.wait(20)
            conn.sendall(frame(make_ack(message, "AA").encode("utf-8")))
            self.acked.append(str(message["MSH.10"]))
            conn.recv(1)  # until the worker hangs up

    def join(self) -> None:
        self._thread.join(10)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_finishes_the_hl7_attempt_in_flight_then_exits_0(
    db_url: str, runtime: Runtime, engine: Engine, world: World, tmp_path: Path
) -> None:
    peer = DelayedAckPeer()
    mllp_to(engine, peer.port)
    signed(runtime, world.alice, "TERM-HL7-1")
    env = radlink_env(
        tmp_path,
        db_url,
        "http://127.0.0.1:9",
        RADLINK_WORKER_POLL_SECONDS="0.05",
        RADLINK_HL7_ACK_TIMEOUT="15",
    )
    worker = start(["worker"], env, tmp_path / "worker.log")
    try:
        assert peer.received.wait(15), f"no message arrived: {worker.tail()}"
        worker.signal(signal.SIGTERM)  # the worker is now waiting for the ACK
        time.sleep(1.0)
        assert worker.popen.poll() is None, f"exited before its ACK arrived: {worker.tail()}"
        peer.release.set()
        assert worker.wait(15) == 0, worker.tail()
    finally:
        peer.release.set()
        worker.stop()
        peer.join()
    [message] = messages(engine)
    assert peer.acked == [message.control_id]
    assert (message.state, message.attempts, message.ack_code) == ("delivered", 1, "AA")
