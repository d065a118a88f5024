"""HL7 v2 results: build ORU^R01 messages for signed reports and deliver them (MLLP or HTTP).

Pure library code: nothing here touches the database. The outbox worker turns a report row into
an ``OruInput``, calls ``build_oru_r01`` and ``message_bytes``, hands the bytes to a
``Transport`` and decides what to do with the result via ``classify``.
"""

from radlink.delivery.hl7.ack import Ack, AckError, Outcome, classify, parse_ack
from radlink.delivery.hl7.escape import Delimiters, escape, unescape
from radlink.delivery.hl7.message import (
    Addendum,
    HL7Version,
    OruInput,
    Patient,
    ReportContent,
    ReportStatus,
    Routing,
    Signer,
    Study,
    TextLayout,
)
from radlink.delivery.hl7.mllp import Deframer, FramingError, frame
from radlink.delivery.hl7.oru import build_oru_r01, message_bytes, report_lines
from radlink.delivery.hl7.transport import (
    HttpTransport,
    MllpTransport,
    Transport,
    TransportError,
)

__all__ = [
    "Ack",
    "AckError",
    "Addendum",
    "Deframer",
    "Delimiters",
    "FramingError",
    "HL7Version",
    "HttpTransport",
    "MllpTransport",
    "OruInput",
    "Outcome",
    "Patient",
    "ReportContent",
    "ReportStatus",
    "Routing",
    "Signer",
    "Study",
    "TextLayout",
    "Transport",
    "TransportError",
    "build_oru_r01",
    "classify",
    "escape",
    "frame",
    "message_bytes",
    "parse_ack",
    "report_lines",
    "unescape",
]
