"""Real loopback peers for transport tests: an MLLP receiver and an HL7-over-HTTP receiver.

The MLLP peer is python-hl7's asyncio server (not our own framing code), run on its own event loop
in a background thread so the synchronous transports under test can talk to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import threading
from collections.abc import Coroutine
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import hl7
from hl7.mllp import start_hl7_server

T = TypeVar("T")


def make_ack(message: hl7.Message, code: str, *, control_id: str | None = None) -> str:
    """An original-mode ACK: MSH with sender and receiver swapped, MSA echoing MSH-10.

    Written by hand rather than with ``Message.create_ack`` because that calls the deprecated
    ``datetime.utcnow`` on Python 3.12+, which would turn into an error under ``-W error``.
    """
    echoed = str(message["MSH.10"]) if control_id is None else control_id
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            "FAKERIS",
            "TEST",
            str(message["MSH.3"]),
            str(message["MSH.4"]),
            now,
            "",
            "ACK^R01^ACK",
            f"ACK{echoed}"[:20],
            "P",
            str(message["MSH.12"]),
        ]
    )
    msa = f"MSA|{code}|{echoed}"
    if code != "AA":
        msa += f"|test-induced {code}"
    return f"{msh}\r{msa}\r"


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hl7-peer-loop")
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.call(_cancel_other_tasks())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _cancel_other_tasks() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class FakeRis:
    """MLLP receiver that records raw payloads and answers according to ``mode``.

    Modes: ``AA``/``AE``/``AR``/``CA`` answer with that code; ``drop`` closes the connection
    without answering; ``silent`` never answers; ``wrong-id`` acknowledges another control id.
    """

    def __init__(self, runner: LoopThread, mode: str = "AA") -> None:
        self.runner = runner
        self.mode = mode
        self.received: list[bytes] = []
        self.connections = 0
        self.errors: list[BaseException] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self, ssl_context: ssl.SSLContext | None = None, port: int = 0) -> int:
        self.port = self.runner.call(self._start(ssl_context, port))
        return self.port

    def stop(self) -> None:
        self.runner.call(self._stop())

    def disconnect_all(self) -> None:
        """Close every client connection from the server side, as an idle timeout would."""
        self.runner.call(self._close_writers())

    async def _start(self, ssl_context: ssl.SSLContext | None, port: int) -> int:
        # python-hl7 defaults to ASCII and asyncio's 64 KiB frame limit; neither fits reports.
        self._server = await start_hl7_server(
            self._on_client,
            "127.0.0.1",
            port,
            encoding="utf-8",
            limit=16 * 2**20,
            ssl=ssl_context,
        )
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def _stop(self) -> None:
        await self._close_writers()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _close_writers(self) -> None:
        writers = list(self._writers)
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()

    async def _on_client(self, reader: Any, writer: Any) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                block: bytes = await reader.readblock()
                self.received.append(block)
                if self.mode == "drop":
                    break
                if self.mode == "silent":
                    continue
                message = hl7.parse(block.decode("utf-8"))
                if self.mode == "wrong-id":
                    ack = make_ack(message, "AA", control_id="SOMETHING-ELSE")
                else:
                    ack = make_ack(message, self.mode)
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # the client went away: normal at the end of every test
        except Exception as exc:
            self.errors.append(exc)
        finally:
            self._writers.discard(writer)
            writer.close()


class HttpAckServer:
    """HL7-over-HTTP receiver answering every POST with ``status`` and an ACK with ``code``."""

    def __init__(self, status: int = 200, code: str = "AA", body: bytes | None = None) -> None:
        self.status = status
        self.code = code
        self.body = body
        self.requests: list[tuple[str, bytes]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hl7"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}
        )

    def __enter__(self) -> HttpAckServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                peer.requests.append((self.headers["Content-Type"], body))
                if peer.body is not None:
                    answer = peer.body
                else:
                    answer = make_ack(hl7.parse(body.decode("utf-8")), peer.code).encode()
                self.send_response(peer.status)
                self.send_header("Content-Type", "application/hl7-v2; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        return Handler
