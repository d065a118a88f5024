from __future__ import annotations

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from radlink.reports.qr import QrMode, QrSize, pixels_per_module, qr_text
from radlink.runtime import Runtime
from tests.conftest import World
from tests.reports.helpers import LAUNCH, decode_data_uri, simple_body


def _camera_like(image: Image.Image) -> Image.Image:
    """What a phone sees of a small code: upscaled with interpolation, then slightly blurred."""
    grey = image.convert("L")
    big = grey.resize((grey.width * 3, grey.height * 3), Image.Resampling.BILINEAR)
    return big.filter(ImageFilter.GaussianBlur(radius=1.2))


@pytest.mark.parametrize("size", ["standard", "small"])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_size_and_mode_decodes_to_a_link_that_opens_the_same_report(
    client: TestClient, world: World, runtime: Runtime, size: str, mode: str
) -> None:
    body = simple_body(f"QR-{size}-{mode}", result="all")
    body.update(qrCodeSize=size, qrCodeMode=mode)
    data = client.post(LAUNCH, json=body, headers=world.alice.headers).json()
    image, texts = decode_data_uri(data["reportQrCode"])
    width = 400 if size == "standard" else 80
    assert image.size == (width, width)
    assert image.mode == "1"  # 1-bit: sharp module edges, no resampling blur
    corner = image.convert("L").getpixel((0, 0))
    assert corner == (0 if mode == "dark" else 255)
    assert len(texts) == 1
    decoded = texts[0]
    # The decoded text is the link (upper-cased for QR alphanumeric mode); the route is
    # case-insensitive, so it resolves to the same launch row.
    link_id = decoded.rsplit("/", 1)[1]
    assert runtime.links.decode(link_id) == runtime.links.decode(
        data["reportLink"].rsplit("/", 1)[1]
    )
    assert decoded.lower() == data["reportLink"].lower()
    if size == "small":
        assert [r.text for r in zxingcpp.read_barcodes(_camera_like(image))] == [decoded]


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8000",
        "https://radlink.example-hospital.org",
        "https://" + "r" * 28 + ".org",
        "https://radlink.hospital.example:8443",
    ],
)
def test_small_codes_keep_two_pixels_per_module_for_bases_up_to_40_characters(base: str) -> None:
    assert len(base) <= 40
    link = f"{base}/r/{'A' * 26}"
    assert pixels_per_module(qr_text(link), QrSize.small) >= 2


def test_qr_text_falls_back_to_the_link_itself_when_upper_case_would_not_help() -> None:
    link = "https://host.example/path_with_underscore/r/ABC"
    assert qr_text(link) == link


def test_modes_are_inverse_images() -> None:
    from radlink.reports.qr import qr_data_uri

    light, _ = decode_data_uri(qr_data_uri("http://x.example/r/AAAA", QrSize.small, QrMode.light))
    dark, _ = decode_data_uri(qr_data_uri("http://x.example/r/AAAA", QrSize.small, QrMode.dark))
    assert all(a ^ b == 0xFF for a, b in zip(light.tobytes(), dark.tobytes(), strict=True))
