"""Sending one framed message and getting its acknowledgment back: MLLP over TCP/TLS, or HTTP.

Every network failure surfaces as ``TransportError``; its ``permanent`` flag tells the outbox
whether sending the same bytes again could ever succeed. What an ACK code means (deliver, retry,
park) is decided by ``classify`` in ``ack.py``, so both transports share one retry policy.

Neither transport is meant for concurrent sends: results to one destination go one at a time,
in order, so a correction can never overtake the report it corrects.
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import ssl
import threading
import time
import urllib.parse
from types import TracebackType
from typing import Protocol, runtime_checkable

from radlink.delivery.hl7.ack import Ack, AckError, classify, parse_ack
from radlink.delivery.hl7.mllp import Deframer, FramingError, frame

__all__ = ["HttpTransport", "MllpTransport", "Transport", "TransportError", "classify"]

StrPath = str | os.PathLike[str]

DEFAULT_MAX_ACK_SIZE = 2**20
_RECV_SIZE = 64 * 1024


class TransportError(Exception):
    """Delivery failed before a usable acknowledgment arrived.

    ``permanent`` is True when retrying the same bytes to the same place cannot help. Messages
    name the destination and the control id, never message content (it holds patient data).
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@runtime_checkable
class Transport(Protocol):
    """The seam between the outbox worker and the network."""

    def send(self, payload: bytes, control_id: str) -> Ack:
        """Deliver one message (unframed ER7 bytes) and return the peer's acknowledgment.

        Raises ``TransportError``, including when the ACK answers another control id.
        """
        ...

    def close(self) -> None: ...


class MllpTransport:
    """MLLP client that keeps one connection open across sends and reconnects when needed.

    ``ack_timeout`` is a wall-clock deadline for writing the message and reading the whole ACK
    block; a per-read socket timeout alone would restart with every byte a slow peer trickles.
    After any failure the connection is closed, so a late ACK for one message can never be read
    as the answer to the next.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool = False,
        ca_file: StrPath | None = None,
        cert_file: StrPath | None = None,
        key_file: StrPath | None = None,
        connect_timeout: float = 10.0,
        ack_timeout: float = 30.0,
        max_ack_size: int = DEFAULT_MAX_ACK_SIZE,
    ) -> None:
        if not tls and (ca_file or cert_file or key_file):
            raise ValueError("certificate files given but tls is off")
        if key_file and not cert_file:
            raise ValueError("key_file needs cert_file")
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.ack_timeout = ack_timeout
        self.max_ack_size = max_ack_size
        # Built now so a bad certificate path fails at configuration time, not per message.
        self._ssl = _client_context(ca_file, cert_file, key_file) if tls else None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> MllpTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def _where(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, payload: bytes, control_id: str) -> Ack:
        try:
            block = frame(payload)
        except FramingError as exc:
            msg = f"message {control_id} cannot be framed: {exc}"
            raise TransportError(msg, permanent=True) from None
        with self._lock:
            sock = self._connection()
            try:
                ack, reusable = self._exchange(sock, block, control_id)
            except BaseException:
                self._disconnect()
                raise
            if not reusable:
                self._disconnect()
            return ack

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    def _connection(self) -> socket.socket:
        if self._sock is not None and _looks_closed(self._sock):
            # The peer hung up (idle timeout, restart) or sent something unasked; either way
            # this connection's state is unknown, so start a new one before writing.
            self._disconnect()
        if self._sock is None:
            self._sock = self._connect()
        return self._sock

    def _connect(self) -> socket.socket:
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except TimeoutError:
            raise TransportError(f"connecting to {self._where} timed out") from None
        except OSError as exc:
            raise TransportError(f"cannot connect to {self._where}: {_reason(exc)}") from None
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if self._ssl is None:
            return raw
        try:
            return self._ssl.wrap_socket(raw, server_hostname=self.host)
        except (OSError, ValueError) as exc:
            raw.close()
            raise TransportError(f"TLS with {self._where} failed: {_reason(exc)}") from None

    def _disconnect(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _exchange(self, sock: socket.socket, block: bytes, control_id: str) -> tuple[Ack, bool]:
        """Write one block, read one ACK block; return the ACK and whether the line is clean."""
        deadline = time.monotonic() + self.ack_timeout
        deframer = Deframer(self.max_ack_size)
        what = f"message {control_id} to {self._where}"
        try:
            # On a plain socket the timeout bounds the whole sendall(); over TLS it bounds each
            # write. Either way the ACK read below never outlives the deadline.
            sock.settimeout(self.ack_timeout)
            sock.sendall(block)
            blocks: list[bytes] = []
            while not blocks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                sock.settimeout(remaining)
                chunk = sock.recv(_RECV_SIZE)
                if not chunk:
                    raise TransportError(f"{what}: connection closed before an ACK arrived")
                blocks = deframer.feed(chunk)
        except TimeoutError:
            raise TransportError(f"{what}: no ACK within {self.ack_timeout:g} s") from None
        except FramingError as exc:
            raise TransportError(f"{what}: malformed MLLP reply ({exc})") from None
        except OSError as exc:
            raise TransportError(f"{what}: {_reason(exc)}") from None
        ack = _checked_ack(blocks[0], control_id, what)
        # Anything after the ACK block was not asked for; do not let it answer the next send.
        return ack, len(blocks) == 1 and not deframer.in_block


class HttpTransport:
    """POST the message as ``application/hl7-v2`` (HL7 over HTTP); the response body is the ACK.

    Delivered means HTTP 2xx and an ACK whose MSA-2 matches; what its code means is still up to
    ``classify``. Other statuses raise: 5xx, 408, 425 and 429 as temporary, any other status as
    permanent (a wrong URL or rejected credentials will not fix themselves).
    """

    def __init__(
        self,
        url: str,
        *,
        ca_file: StrPath | None = None,
        timeout: float = 30.0,
        max_response_size: int = DEFAULT_MAX_ACK_SIZE,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an absolute http:// or https:// URL")
        if ca_file and parts.scheme != "https":
            raise ValueError("ca_file given for a plain http URL")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._where = f"{parts.scheme}://{self._host}:{self._port}"  # no path: it may hold a token
        self._ssl = ssl.create_default_context(cafile=ca_file) if self._https else None
        self.timeout = timeout
        self.max_response_size = max_response_size

    def send(self, payload: bytes, control_id: str) -> Ack:
        what = f"message {control_id} to {self._where}"
        deadline = time.monotonic() + self.timeout
        conn = self._open()
        try:
            conn.request(
                "POST",
                self._target,
                body=payload,
                headers={"Content-Type": "application/hl7-v2; charset=utf-8"},
            )
            response = conn.getresponse()
            body = self._read_body(conn, response, deadline, what)
        except TimeoutError:
            raise TransportError(f"{what}: no response within {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(f"{what}: {_reason(exc)}") from None
        finally:
            conn.close()
        status = response.status
        if not 200 <= status < 300:
            temporary = status >= 500 or status in (408, 425, 429)
            raise TransportError(f"{what}: HTTP {status}", permanent=not temporary)
        return _checked_ack(body, control_id, what)

    def close(self) -> None:
        """Nothing to release: every send uses its own connection."""

    def _open(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)

    def _read_body(
        self,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        deadline: float,
        what: str,
    ) -> bytes:
        body = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(remaining)
            chunk = response.read(_RECV_SIZE)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > self.max_response_size:
                raise TransportError(f"{what}: response larger than {self.max_response_size} B")


def _checked_ack(raw: bytes, control_id: str, what: str) -> Ack:
    try:
        ack = parse_ack(raw)
    except AckError as exc:
        raise TransportError(f"{what}: unreadable ACK ({exc})") from None
    if ack.control_id != control_id:
        # MSA-2 must echo our MSH-10; an ACK for another message proves nothing about this one.
        raise TransportError(f"{what}: ACK answers control id {ack.control_id[:20]!r}")
    return ack


def _client_context(
    ca_file: StrPath | None, cert_file: StrPath | None, key_file: StrPath | None
) -> ssl.SSLContext:
    # Default context: certificate and host name verification on, TLS 1.2 minimum.
    context = ssl.create_default_context(cafile=ca_file)
    if cert_file:
        context.load_cert_chain(cert_file, key_file)  # mutual TLS, when the site requires it
    return context


def _looks_closed(sock: socket.socket) -> bool:
    """True if the idle connection has anything to read: EOF, a reset, or unsolicited bytes."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
