"""Typed configuration, read once from ``RADLINK_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from radlink.delivery.worker import WorkerConfig

# Values that appear in examples and tutorials; a deployment using one of them has no secret at all.
PLACEHOLDER_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "changethis",
        "secret",
        "secret-key",
        "your-secret-key",
        "please-change-me",
        "dev",
        "development",
        "insecure",
        "test",
        "password",
    }
)
MIN_SECRET_LENGTH = 32
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """A setting is unusable; the message names the setting and what is accepted."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RADLINK_", extra="ignore")

    data_dir: Path = Field(Path("./var"), description="Folder for the SQLite file and secrets.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite in DATA_DIR."
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public base of report links.")
    secret_key: str | None = Field(None, description="Key material for links and encryption.")
    secret_key_file: Path | None = Field(None, description="File holding SECRET_KEY.")
    host: str = Field("127.0.0.1", description="Address `radlink serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `radlink serve` binds to.")
    workers: int = Field(1, ge=1, le=64, description="Web worker processes for `radlink serve`.")
    log_level: str = Field("info", description="uvicorn log level.")
    embedded_worker: bool = Field(True, description="`serve` also delivers HL7 messages.")
    hl7_connect_timeout: float = Field(10.0, gt=0, description="Seconds to connect.")
    hl7_ack_timeout: float = Field(30.0, gt=0, description="Seconds to wait for an ACK.")
    hl7_retry_base_seconds: float = Field(5.0, gt=0, description="First retry delay.")
    hl7_retry_cap_seconds: float = Field(600.0, gt=0, description="Longest retry delay.")
    hl7_claim_seconds: float = Field(120.0, gt=0, description="Lease of one delivery attempt.")
    worker_poll_seconds: float = Field(1.0, gt=0, description="Idle worker's polling interval.")
    grant_minutes: int = Field(
        10, ge=1, le=1440, description="Lifetime of the sign-in grant in an assigned link."
    )
    api_rate: float = Field(20.0, gt=0, description="API requests per second per token.")
    api_burst: int = Field(40, ge=1, description="API requests a token may send at once.")
    trusted_proxies: str = Field(
        "", description="Comma-separated proxy addresses/networks whose X-Forwarded-For is used."
    )

    @model_validator(mode="after")
    def _base_url_follows_port(self) -> Settings:
        # Unset BASE_URL: links point at where `serve` listens, whatever HOST/PORT say.
        if "base_url" not in self.model_fields_set and (self.host, self.port) != (
            "127.0.0.1",
            8000,
        ):
            host = "127.0.0.1" if self.host in {"0.0.0.0", "::"} else self.host
            self.base_url = f"http://{host}:{self.port}"
        return self

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)  # ValueError names the part
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        )

    def worker_config(self) -> WorkerConfig:
        from radlink.delivery.worker import WorkerConfig

        return WorkerConfig(
            connect_timeout=self.hl7_connect_timeout,
            ack_timeout=self.hl7_ack_timeout,
            claim_seconds=max(self.hl7_claim_seconds, self.hl7_ack_timeout * 2),
            retry_base_seconds=self.hl7_retry_base_seconds,
            retry_cap_seconds=self.hl7_retry_cap_seconds,
            poll_seconds=self.worker_poll_seconds,
        )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'radlink.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def load_secret_key(self) -> str:
        """Return the secret key, creating and keeping one in DATA_DIR on first start."""
        if self.secret_key:
            key = self.secret_key
        elif self.secret_key_file:
            try:
                key = self.secret_key_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"RADLINK_SECRET_KEY_FILE cannot be read: {exc.strerror}"
                ) from None
        else:
            key = _generated_key(self.data_dir / "secret_key")
        check_secret(key)
        return key


def check_secret(key: str) -> None:
    if key.strip().lower() in PLACEHOLDER_SECRETS:
        raise ConfigError("RADLINK_SECRET_KEY is a known placeholder; set a random value")
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"RADLINK_SECRET_KEY is too short; use at least {MIN_SECRET_LENGTH} random characters"
        )


def _generated_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_text(secrets.token_urlsafe(48) + "\n")
    tmp.chmod(0o600)
    # link() fails if the file exists: two processes starting at once agree on one key.
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
