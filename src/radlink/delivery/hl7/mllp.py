"""MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 1).

A block on the wire is ``0x0B`` + message bytes + ``0x1C 0x0D``. TCP delivers a stream, so a block
may arrive in many pieces and several blocks may arrive in one read; ``Deframer`` reassembles them.
"""

from __future__ import annotations

START_BLOCK = 0x0B  # VT
END_BLOCK = 0x1C  # FS
CARRIAGE_RETURN = 0x0D

DEFAULT_MAX_SIZE = 16 * 2**20


class FramingError(ValueError):
    """The byte stream is not valid MLLP; the connection carrying it cannot be trusted."""


def frame(payload: bytes) -> bytes:
    """Wrap one message in an MLLP block.

    Refuses payloads containing the start or end byte: the receiver would cut the message there.
    Messages from ``build_oru_r01`` never do, because escaping replaces control characters.
    """
    if START_BLOCK in payload or END_BLOCK in payload:
        raise FramingError("payload contains an MLLP start or end byte")
    return bytes((START_BLOCK,)) + payload + bytes((END_BLOCK, CARRIAGE_RETURN))


class Deframer:
    """Incremental MLLP decoder: ``feed`` chunks as they arrive, get complete messages back.

    Strict on purpose: any byte outside a block, a start byte inside a block, an end byte not
    followed by CR, or a block larger than ``max_size`` raises ``FramingError``. After an error
    the decoder's state is undefined; drop the connection.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        if max_size < 1:
            raise ValueError("max_size must be positive")
        self.max_size = max_size
        self._buf = bytearray()
        self._in_block = False
        self._scanned = 0  # bytes of the current block already checked for start/end bytes

    @property
    def in_block(self) -> bool:
        """True while part of a block has been received but not its end."""
        return self._in_block

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the messages (without framing) completed by them."""
        self._buf += data
        messages: list[bytes] = []
        while self._buf:
            if not self._in_block:
                if self._buf[0] != START_BLOCK:
                    raise FramingError("data outside an MLLP block")
                del self._buf[0]
                self._in_block = True
                self._scanned = 0
            message = self._take_block()
            if message is None:
                break
            messages.append(message)
        return messages

    def _take_block(self) -> bytes | None:
        buf = self._buf
        end = buf.find(END_BLOCK, self._scanned)
        limit = len(buf) if end < 0 else end
        if buf.find(START_BLOCK, self._scanned, limit) >= 0:
            raise FramingError("start byte inside an MLLP block")
        if limit > self.max_size:
            raise FramingError(f"MLLP block larger than {self.max_size} bytes")
        self._scanned = limit
        if end < 0 or end + 1 >= len(buf):
            return None  # end not seen yet, or seen without the CR that must follow it
        if buf[end + 1] != CARRIAGE_RETURN:
            raise FramingError("end byte not followed by CR")
        message = bytes(buf[:end])
        del buf[: end + 2]
        self._in_block = False
        self._scanned = 0
        return message
