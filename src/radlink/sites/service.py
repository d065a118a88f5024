from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from radlink.db import utcnow, write_tx
from radlink.errors import Conflict, Invalid
from radlink.sites import queries as q

_SITE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def create_site(engine: Engine, *, site_key: str, name: str) -> int:
    if not _SITE_KEY.match(site_key):
        raise Invalid("SiteID must be 1-64 letters, digits, '.', '_' or '-'")
    if not name.strip() or len(name) > 200:
        raise Invalid("site name must be 1-200 characters")
    try:
        with write_tx(engine) as conn:
            if q.get_site(conn, site_key=site_key):
                raise Conflict(f"site {site_key} already exists")
            return q.insert_site(conn, site_key=site_key, name=name.strip(), now=utcnow())
    except IntegrityError:
        raise Conflict(f"site {site_key} already exists") from None
