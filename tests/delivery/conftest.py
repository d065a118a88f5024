from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.delivery.hl7.certs import TlsFiles, make_tls_files
from tests.delivery.hl7.peers import FakeRis, LoopThread


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    runner = LoopThread()
    yield runner
    runner.stop()


@pytest.fixture
def fake_ris(loop_thread: LoopThread) -> Iterator[Callable[..., FakeRis]]:
    """Factory: ``fake_ris(mode, ssl_context=None)`` starts a peer; all are stopped afterwards."""
    started: list[FakeRis] = []

    def start(
        mode: str = "AA", ssl_context: ssl.SSLContext | None = None, port: int = 0
    ) -> FakeRis:
        peer = FakeRis(loop_thread, mode)
        peer.start(ssl_context, port)
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()
        assert not peer.errors, peer.errors


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
