from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radlink.delivery.hl7 import Deframer, FramingError, frame

payloads = st.lists(
    st.binary(max_size=300).map(lambda b: b.replace(b"\x0b", b"").replace(b"\x1c", b"")),
    max_size=6,
)


def test_frame_wraps_payload_in_start_and_end_bytes() -> None:
    assert frame(b"MSH|x\r") == b"\x0bMSH|x\r\x1c\r"


@pytest.mark.parametrize("payload", [b"a\x1cb", b"a\x0bb"])
def test_frame_refuses_payload_that_would_break_the_block(payload: bytes) -> None:
    with pytest.raises(FramingError):
        frame(payload)


@given(payloads, st.data())
def test_messages_survive_any_split_of_the_stream(
    messages: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(frame(m) for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    deframer = Deframer()
    received = [m for chunk in chunks for m in deframer.feed(chunk)]
    assert received == messages
    assert not deframer.in_block


def test_several_blocks_in_one_read_are_all_returned() -> None:
    deframer = Deframer()
    assert deframer.feed(frame(b"one") + frame(b"two") + b"\x0bthr") == [b"one", b"two"]
    assert deframer.in_block
    assert deframer.feed(b"ee\x1c") == []
    assert deframer.feed(b"\r") == [b"three"]


def test_block_of_exactly_max_size_is_accepted() -> None:
    assert Deframer(max_size=10).feed(frame(b"x" * 10)) == [b"x" * 10]


def test_oversize_block_fails_before_its_end_arrives() -> None:
    deframer = Deframer(max_size=10)
    deframer.feed(b"\x0b" + b"x" * 10)
    with pytest.raises(FramingError, match="larger"):
        deframer.feed(b"x")


@pytest.mark.parametrize(
    "stream",
    [
        b"garbage\x0bMSH\x1c\r",  # bytes before the start byte
        b"\x0bMSH\x1cX",  # end byte not followed by CR
        b"\x0bMS\x0bH\x1c\r",  # start byte inside a block
        frame(b"ok") + b"\n",  # trailing junk after a block
    ],
)
def test_garbage_is_a_framing_error(stream: bytes) -> None:
    with pytest.raises(FramingError):
        Deframer().feed(stream)
