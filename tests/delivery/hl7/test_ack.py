from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radlink.delivery.hl7 import Ack, AckError, classify, parse_ack

MSH = "MSH|^~\\&|RIS|HOSP|RADLINK|SITE01|20240502123501||ACK^R01^ACK|A1|P|2.5.1"


def test_accept_ack_gives_code_and_echoed_control_id() -> None:
    assert parse_ack(f"{MSH}\rMSA|AA|RPT-1\r") == Ack("AA", "RPT-1", "")


def test_error_text_comes_from_msa3() -> None:
    ack = parse_ack(f"{MSH}\rMSA|AE|RPT-1|Database locked\r")
    assert ack == Ack("AE", "RPT-1", "Database locked")


def test_error_text_comes_from_v25_err_segment() -> None:
    err = "ERR||PID^1^3|204^Unknown key identifier^HL70357|E||||Patient not found \\T\\ unknown"
    ack = parse_ack(f"{MSH}\rMSA|AR|RPT-1\r{err}\r")
    assert ack.code == "AR"
    assert ack.text == "Patient not found & unknown; Unknown key identifier"


def test_error_text_comes_from_v23_err_segment() -> None:
    ack = parse_ack(f"{MSH}\rMSA|AR|RPT-1|Rejected\rERR|OBR^1^3^101&Required field missing\r")
    assert ack.text == "Rejected; Required field missing"


def test_framed_bytes_with_lf_separators_and_lowercase_code_are_read() -> None:
    raw = f"\x0b{MSH}\r\nMSA|ca|RPT-1\n\x1c\r".encode()
    assert parse_ack(raw) == Ack("CA", "RPT-1", "")


def test_peer_delimiters_are_honoured() -> None:
    ack = parse_ack("MSH#$*!@#RIS\rMSA#AE#RPT!F!1#bad!T!worse\r")
    assert ack == Ack("AE", "RPT#1", "bad@worse")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        b"",
        "garbage",
        b"\xff\xfe\x00",
        "PID|1\rMSA|AA|X\r",
        f"{MSH}\r",
        f"{MSH}\rMSA|ZZ|RPT-1\r",
        f"{MSH}\rMSA\r",
        "MSH|\rMSA|AA|X",
        "MSH|^^^^|x\rMSA|AA|X",
    ],
)
def test_junk_raises_ack_error(raw: str | bytes) -> None:
    with pytest.raises(AckError):
        parse_ack(raw)


@given(st.one_of(st.binary(), st.text()))
def test_arbitrary_input_raises_nothing_but_ack_error(raw: str | bytes) -> None:
    with contextlib.suppress(AckError):
        parse_ack(raw)


@given(st.text(st.sampled_from("MSAERH|^~\\&#\r\n AEC12")), st.sampled_from([MSH, "MSH|^~\\&"]))
def test_near_miss_acks_raise_nothing_but_ack_error(tail: str, head: str) -> None:
    try:
        ack = parse_ack(f"{head}\rMSA|{tail}")
    except AckError:
        return
    assert ack.code in {"AA", "AE", "AR", "CA", "CE", "CR"}


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("AA", "delivered"),
        ("CA", "delivered"),
        ("AE", "retry"),
        ("CE", "retry"),
        ("AR", "park"),
        ("CR", "park"),
    ],
)
def test_classify_maps_ack_codes_to_outcomes(code: str, outcome: str) -> None:
    assert classify(Ack(code, "X")) == outcome
