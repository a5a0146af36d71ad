"""Fixtures of the API tests: tokens for the people of the shared world."""

import pytest
from django.test import Client

from accounts import services


def token_for(user, name: str = "Dashboard", days: int = 30) -> str:
    """Make a token for the user through the service; return its secret."""
    return services.token_create(owner=user, name=name, days=days)[1]


class Api:
    """A client that sends a Bearer token and reads JSON."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def ids(self, path: str, **params) -> set[int]:
        """Follow `next` through every page; return the ids listed."""
        found, url = set(), path
        query = {"page_size": 1000, **params}
        while url:
            response = self.client.get(url, query, headers=self.headers)
            assert response.status_code == 200, response.content
            body = response.json()
            found |= {row["id"] for row in body["results"]}
            url, query = body["next"], {}
        return found


@pytest.fixture
def api_as(world):
    """Return role → Api client with a fresh token of that role's user."""
    return lambda role: Api(token_for(world.users[role]))
