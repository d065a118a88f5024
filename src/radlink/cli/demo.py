"""The demo site, user and token that `make run` shows a new user."""

from __future__ import annotations

import shlex

from sqlalchemy import Engine

from radlink.accounts import queries as account_queries
from radlink.accounts.passwords import generate_password
from radlink.accounts.service import create_token, create_user
from radlink.db import read_tx
from radlink.settings import Settings
from radlink.sites import queries as site_queries
from radlink.sites.service import create_site

DEMO_SITE = "demo"
DEMO_EMAIL = "radiologist@demo.example"


def ensure_demo(engine: Engine, settings: Settings) -> str:
    with read_tx(engine) as conn:
        has_site = site_queries.get_site(conn, site_key=DEMO_SITE) is not None
        has_user = account_queries.get_user_by_email(conn, email=DEMO_EMAIL) is not None
    if has_site and has_user:
        return (
            f"Demo site '{DEMO_SITE}' and user {DEMO_EMAIL} exist (their password and token were "
            "printed on first start).\n"
            f"New token: .venv/bin/radlink tokens create --user {DEMO_EMAIL}"
        )
    if not has_site:
        create_site(engine, site_key=DEMO_SITE, name="Demo Hospital")
    password = generate_password()
    create_user(
        engine,
        email=DEMO_EMAIL,
        name="Demo Radiologist",
        password=password,
        sites=[(DEMO_SITE, "radiologist")],
    )
    token = create_token(engine, email=DEMO_EMAIL, name="demo")
    body = (
        '{"tags": {"SiteID": "demo", "Accession": "ACC-0001", "PatientName": "Doe^Jane", '
        '"Modality": "CT", "StudyDescription": "CT chest", '
        '"KeyFindings": "No acute findings."}, "result": "link"}'
    )
    curl = (
        f"curl -s {settings.base_url}/api/report/launch/clinical \\\n"
        f"  -H 'Content-Type: application/json' -H 'x-access-token: {token}' \\\n"
        f"  -d {shlex.quote(body)}"
    )
    return "\n".join(
        [
            "Demo set up (shown once; keep it):",
            f"  site:     {DEMO_SITE}",
            f"  user:     {DEMO_EMAIL}",
            f"  password: {password}",
            f"  token:    {token}",
            "Try the API:",
            curl,
        ]
    )
