"""Sign-in grants: digests only, one use, and the framed cookie with https."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from radlink.accounts import grants
from radlink.accounts.tables import one_time_grants
from radlink.app import create_app
from radlink.runtime import Runtime
from radlink.settings import Settings
from tests.conftest import World
from tests.reports.helpers import LAUNCH


def _assigned(client: TestClient, world: World, accession: str) -> str:
    body = {
        "clinicalInfo": {"SiteID": "site-a", "Accession": accession},
        "userInfo": {"UserEmail": world.bob.email},
        "result": "link",
    }
    link: str = client.post(LAUNCH, json=body, headers=world.carol.headers).json()["reportLink"]
    return "/r/" + link.split("/r/", 1)[1]


def test_only_the_digest_of_a_grant_is_stored(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    grant = _assigned(client, world, "ACC-G1").rsplit("/", 1)[1]
    assert grants.looks_like_sign_in_grant(grant)
    with runtime.engine.connect() as conn:
        stored = list(conn.execute(select(one_time_grants.c.digest)).scalars())
    assert grant not in "".join(stored)
    assert grants.digest_of("sign-in:" + grant) in stored


def test_framed_sites_get_a_samesite_none_cookie_with_https(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    https = settings.model_copy(update={"base_url": "https://testserver"})
    rt = Runtime.create(https)
    try:
        with TestClient(create_app(rt), base_url="https://testserver") as client:
            from sqlalchemy import update

            from radlink.sites.tables import sites

            with rt.engine.begin() as conn:
                conn.execute(update(sites).values(frame_ancestors="https://pacs.example"))
            response = client.get(_assigned(client, world, "ACC-G2"), follow_redirects=False)
            cookie = response.headers["set-cookie"].lower()
            assert "samesite=none" in cookie and "secure" in cookie
    finally:
        rt.engine.dispose()


def test_unframed_sites_keep_lax_cookies(client: TestClient, world: World) -> None:
    response = client.get(_assigned(client, world, "ACC-G3"), follow_redirects=False)
    assert "samesite=lax" in response.headers["set-cookie"].lower()
