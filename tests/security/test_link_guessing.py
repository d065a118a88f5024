"""Repeated 404s on /r/ from one client are slowed down, for valid links too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from radlink.reports.web import LINK_GUESSES
from tests.conftest import World
from tests.web.helpers import launch, logged_in


def test_guessing_link_ids_is_braked(client: TestClient, world: World) -> None:
    logged_in(client, world.alice)
    valid = launch(client, world.alice, "guess-1")
    assert client.get(valid).status_code == 200
    for n in range(int(LINK_GUESSES.burst)):
        assert client.get(f"/r/{'A' * 25}{'BCDEFGHIJKLMNOPQRSTUVWXYZ234567'[n]}").status_code == 404
    braked = client.get("/r/" + "B" * 26)
    assert braked.status_code == 429
    assert int(braked.headers["retry-after"]) >= 1
    # While braked, a valid link answers the same: a guesser learns nothing.
    assert client.get(valid).status_code == 429


def test_opening_valid_links_spends_nothing(client: TestClient, world: World) -> None:
    logged_in(client, world.alice)
    valid = launch(client, world.alice, "guess-2")
    for _ in range(int(LINK_GUESSES.burst) + 5):
        assert client.get(valid).status_code == 200
