from __future__ import annotations

from pathlib import Path

import pytest

from radlink.settings import ConfigError, Settings


def test_unset_base_url_follows_host_and_port() -> None:
    assert Settings(port=8765).base_url == "http://127.0.0.1:8765"
    assert Settings(host="0.0.0.0", port=9000).base_url == "http://127.0.0.1:9000"
    assert Settings(port=8765, base_url="https://rad.example/").base_url == "https://rad.example"


@pytest.mark.parametrize("bad", ["ftp://x", "rad.example", "https://x/?a=1"])
def test_base_url_must_be_an_absolute_http_url(bad: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        Settings(base_url=bad)


def test_generated_secret_is_kept_and_reused(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).load_secret_key()
    assert Settings(data_dir=tmp_path).load_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("bad", ["changeme", "secret", "short-but-random"])
def test_placeholder_and_short_secrets_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="RADLINK_SECRET_KEY"):
        Settings(secret_key=bad).load_secret_key()


def test_secret_key_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("k" * 40 + "\n")
    assert Settings(secret_key_file=path).load_secret_key() == "k" * 40
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        Settings(secret_key_file=tmp_path / "missing").load_secret_key()
