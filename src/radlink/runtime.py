"""What a running process holds: settings, the engine and the derived keys. Nothing shared."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from radlink.db import make_engine
from radlink.keys import Sealer, derive
from radlink.reports.links import LinkCodec, link_url
from radlink.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    links: LinkCodec
    sealer: Sealer
    session_key: bytes

    @classmethod
    def create(cls, settings: Settings, engine: Engine | None = None) -> Runtime:
        secret = settings.load_secret_key()
        return cls(
            settings=settings,
            engine=engine or make_engine(settings.resolved_database_url),
            links=LinkCodec.from_secret(secret),
            sealer=Sealer(derive(secret, "pending-launch")),
            session_key=derive(secret, "session"),
        )

    def report_link(self, launch_id: int) -> str:
        return link_url(self.settings.base_url, self.links.encode(launch_id))
