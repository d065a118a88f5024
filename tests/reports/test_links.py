from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from radlink.reports.links import ID_LENGTH, LinkCodec

codec = LinkCodec.from_secret("k" * 40)
other = LinkCodec.from_secret("j" * 40)


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_ids_round_trip_in_any_case(row_id: int) -> None:
    link_id = codec.encode(row_id)
    assert len(link_id) == ID_LENGTH and link_id == link_id.upper()
    assert codec.decode(link_id) == row_id
    assert codec.decode(link_id.lower()) == row_id


@given(st.integers(min_value=1, max_value=2**40), st.integers(min_value=0, max_value=ID_LENGTH - 2))
def test_altered_ids_are_rejected(row_id: int, position: int) -> None:
    link_id = codec.encode(row_id)
    swapped = "B" if link_id[position] != "B" else "C"
    assert codec.decode(link_id[:position] + swapped + link_id[position + 1 :]) is None


def test_ids_from_another_key_and_junk_are_rejected() -> None:
    assert other.decode(codec.encode(7)) is None
    for junk in ["", "A" * 25, "A" * 27, "0" * 26, "../../etc/passwd", "Ä" * 26]:
        assert codec.decode(junk) is None


def test_consecutive_rows_give_unrelated_ids() -> None:
    a, b = codec.encode(1), codec.encode(2)
    assert sum(x == y for x, y in zip(a, b, strict=True)) < 10
