from __future__ import annotations

import base64
import io
from typing import Any

import zxingcpp
from PIL import Image

LAUNCH = "/api/report/launch/clinical"


def seed_body(
    site: str = "site-a", accession: str = "test-accession", **extra: Any
) -> dict[str, Any]:
    """The published example request, verbatim but for the SiteID."""
    body: dict[str, Any] = {
        "tags": {
            "SiteID": site,
            "PatientMRN": "test-mrn",
            "Accession": accession,
            "ReturnFormat": "HL7",
            "PatientName": "John Doe",
            "PatientBirthDate": "01021975",
            "PatientAge": "50",
            "PatientSex": "M",
            "Modality": "CT",
            "BodyPartExamined": "Abdomen",
            "StudyDescription": "CT abdomen w/wo contrast",
            "StudyDate": "05022024",
            "StudyTime": "122009",
            "StudyInstanceUID": "",
            "ReasonForExam": "History of colon cancer and new onset abdominal pain.",
            "SpeechLanguage": "en",
            "AppLanguage": "en",
        },
        "result": "all",
        "lazyLaunch": "True",
        "qrCodeSize": "mini",
        "qrCodeMode": "dark",
    }
    body.update(extra)
    return body


def simple_body(accession: str, result: str = "link", **tags: Any) -> dict[str, Any]:
    return {"tags": {"SiteID": "site-a", "Accession": accession, **tags}, "result": result}


def decode_data_uri(uri: str) -> tuple[Image.Image, list[str]]:
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    image.load()
    return image, [r.text for r in zxingcpp.read_barcodes(image)]
