"""Logging in and launching reports through the reporting app, as a browser would."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Persona
from tests.reports.helpers import LAUNCH

_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _META_TOKEN.search(html) or _FORM_TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, persona: Persona, password: str | None = None) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={
            "email": persona.email,
            "password": password or persona.password,
            "next": "/",
            "csrf_token": token,
        },
        follow_redirects=False,
    )


def logged_in(client: TestClient, persona: Persona) -> str:
    """Log in and return the session's CSRF token."""
    client.cookies.clear()
    response = login(client, persona)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/settings").text)


def launch(
    client: TestClient, persona: Persona, accession: str, *, lazy: bool = True, **tags: Any
) -> str:
    """Launch through the API and return the link's path, ``/r/<id>``."""
    body = {
        "tags": {"SiteID": "site-a", "Accession": accession, **tags},
        "result": "link",
        "lazyLaunch": lazy,
    }
    response = client.post(LAUNCH, json=body, headers=persona.headers)
    assert response.status_code == 200, response.text
    link: str = response.json()["reportLink"]
    return "/r/" + link.rsplit("/r/", 1)[1]
