"""userInfo: a site admin assigns a launch to a user, whose link logs exactly them in, once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from radlink.accounts.tables import memberships, one_time_grants, users
from radlink.db import utcnow
from radlink.reports.qr import QrSize, pixels_per_module, qr_text
from tests.conftest import Persona, World
from tests.reports.helpers import LAUNCH

DANA = "dana@a.example"


def assign(
    client: TestClient,
    by: Persona,
    accession: str,
    *,
    email: str = DANA,
    lazy: bool = False,
    auth: str | None = None,
    oldest: bool = False,
) -> Any:
    info = {"UserEmail": email, "UserName": "Dana Diaz"} | ({"Auth": auth} if auth else {})
    body: dict[str, Any] = {"result": "link", "lazyLaunch": lazy}
    if oldest:
        body["tags"] = {"SiteID": "site-a", "Accession": accession, **info}
    else:
        body["clinicalInfo"] = {"SiteID": "site-a", "Accession": accession}
        body["userInfo"] = info
    return client.post(LAUNCH, json=body, headers=by.headers)


def path_of(link: str) -> str:
    return "/r/" + link.split("/r/", 1)[1]


def stable(link: str) -> str:
    return "/".join(path_of(link).split("/")[:3])


def test_an_admin_assigns_a_report_to_a_new_user_and_its_link_logs_them_in_once(
    client: TestClient, world: World, engine: Engine
) -> None:
    response = assign(client, world.carol, "ACC-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "Draft"
    assert body["owner"] == {"name": "Dana Diaz", "email": DANA}
    link = body["reportLink"]
    assert len(path_of(link).split("/")) == 4  # /r/<id>/<grant>
    with engine.connect() as conn:
        dana = conn.execute(select(users).where(users.c.email == DANA)).one()
        role = conn.execute(
            select(memberships.c.role).where(memberships.c.user_id == dana.id)
        ).scalar()
    assert dana.password_hash is None and role == "radiologist"

    client.cookies.clear()
    first = client.get(path_of(link), follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == stable(link)
    page = client.get(stable(link))
    assert page.status_code == 200 and "Dana Diaz" in page.text
    assert 'data-can-edit="true"' in page.text

    client.cookies.clear()
    again = client.get(path_of(link), follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == stable(link)
    assert "set-cookie" not in again.headers
    assert client.get(stable(link), follow_redirects=False).headers["location"].startswith("/login")


def test_the_oldest_shape_carries_auth_username_and_useremail_among_the_tags(
    client: TestClient, world: World
) -> None:
    # alice is no admin, but the Auth tag holds carol's (an admin's) token.
    response = assign(client, world.alice, "ACC-2", auth=world.carol.token, oldest=True)
    assert response.status_code == 200, response.text
    assert response.json()["owner"]["email"] == DANA


@pytest.mark.parametrize("auth", [None, "alice", "mallory", "rl_not-a-real-token-at-all-xyz"])
def test_userinfo_without_a_site_admins_token_is_refused(
    client: TestClient, world: World, auth: str | None
) -> None:
    token = {"alice": world.alice.token, "mallory": world.mallory.token}.get(auth or "", auth)
    response = assign(client, world.alice, "ACC-3", auth=token)
    assert response.status_code == 403
    again = client.post(
        "/api/report/status",
        json={"SiteID": "site-a", "Accession": "ACC-3"},
        headers=world.alice.headers,
    )
    assert again.status_code == 404  # nothing was launched


def test_an_assigned_pending_launch_becomes_the_assignees_report_whoever_opens_it(
    client: TestClient, world: World
) -> None:
    body = assign(client, world.carol, "ACC-4", email=world.bob.email, lazy=True).json()
    assert body["status"] == "PreLaunch"
    assert body["owner"]["email"] == world.bob.email
    from tests.web.helpers import logged_in

    logged_in(client, world.alice)
    page = client.get(stable(body["reportLink"]))
    assert page.status_code == 200
    assert 'data-can-edit="false"' in page.text and "Bob Brown" in page.text


def test_an_assigned_draft_is_reassigned_and_the_owner_says_so(
    client: TestClient, world: World
) -> None:
    first = client.post(
        LAUNCH,
        json={"tags": {"SiteID": "site-a", "Accession": "ACC-5"}, "result": "link"},
        headers=world.alice.headers,
    ).json()
    assert first["owner"]["email"] == world.alice.email
    second = assign(client, world.carol, "ACC-5", email=world.bob.email).json()
    assert second["owner"]["email"] == world.bob.email
    assert stable(second["reportLink"]) == path_of(first["reportLink"])  # the stable id stays


def test_an_expired_grant_logs_nobody_in(client: TestClient, world: World, engine: Engine) -> None:
    link = assign(client, world.carol, "ACC-6").json()["reportLink"]
    with engine.begin() as conn:
        conn.execute(update(one_time_grants).values(expires_at=utcnow() - timedelta(seconds=1)))
    client.cookies.clear()
    response = client.get(path_of(link), follow_redirects=False)
    assert response.status_code == 303 and "set-cookie" not in response.headers


def test_a_grant_never_works_for_another_report(
    client: TestClient, world: World, engine: Engine
) -> None:
    one = assign(client, world.carol, "ACC-7").json()["reportLink"]
    other = client.post(
        LAUNCH,
        json={"tags": {"SiteID": "site-a", "Accession": "ACC-8"}, "result": "link"},
        headers=world.alice.headers,
    ).json()["reportLink"]
    grant = path_of(one).split("/")[3]
    client.cookies.clear()
    response = client.get(f"{path_of(other)}/{grant}", follow_redirects=False)
    assert response.status_code == 303 and "set-cookie" not in response.headers
    # And it still works where it belongs: a foreign use does not void it.
    assert "set-cookie" in client.get(path_of(one), follow_redirects=False).headers


def test_a_wrong_grant_voids_the_launchs_outstanding_grants(
    client: TestClient, world: World
) -> None:
    link = assign(client, world.carol, "ACC-9").json()["reportLink"]
    client.cookies.clear()
    wrong = client.get(stable(link) + "/AAAAAAA", follow_redirects=False)
    assert "set-cookie" not in wrong.headers
    assert "set-cookie" not in client.get(path_of(link), follow_redirects=False).headers


def test_a_grant_logs_in_the_assignee_even_over_another_users_session(
    client: TestClient, world: World
) -> None:
    from tests.web.helpers import logged_in

    link = assign(client, world.carol, "ACC-10", email=world.bob.email).json()["reportLink"]
    logged_in(client, world.alice)
    page = client.get(path_of(link))
    assert 'data-can-edit="true"' in page.text  # bob's own draft, as bob


def test_the_qr_code_of_an_assigned_link_keeps_two_pixels_per_module() -> None:
    base = "https://reports.hospital-example.org:443"  # 40 characters
    assert len(base) == 40
    link = f"{base}/r/{'A' * 26}/{'B' * 7}"
    assert pixels_per_module(qr_text(link), QrSize.small) >= 2


def test_the_qr_code_returned_for_an_assigned_link_carries_the_grant(
    client: TestClient, world: World
) -> None:
    from tests.reports.helpers import decode_data_uri

    body = client.post(
        LAUNCH,
        json={
            "clinicalInfo": {"SiteID": "site-a", "Accession": "ACC-11"},
            "userInfo": {"UserEmail": DANA},
            "result": "all",
            "qrCodeSize": "small",
        },
        headers=world.carol.headers,
    ).json()
    _, texts = decode_data_uri(body["reportQrCode"])
    assert texts == [body["reportLink"].upper()]
