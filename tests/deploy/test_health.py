"""/healthz reads the object store: 503 while Azurite is stopped, 200 once back."""

import os
import time

import pytest
from django.conf import settings
from django.test import override_settings

from riskregister.settings.base import default_storage_from_env

from .servers import AZURITE, Azurite

CONTAINER = "health"


@pytest.fixture
def azurite(tmp_path):
    if not AZURITE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Azurite is mandatory in CI: node_modules/.bin/azurite-blob.")
        pytest.skip("node_modules/.bin/azurite-blob is missing (run npm ci)")
    server = Azurite(tmp_path / "azurite").start()
    server.container(CONTAINER)
    yield server
    server.stop()


def azure_storage(server: Azurite, monkeypatch) -> dict:
    """Return STORAGES as the settings choose them from the Azure variables."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", server.connection_string)
    monkeypatch.setenv("AZURE_STORAGE_CONTAINER", CONTAINER)
    return {**settings.STORAGES, "default": default_storage_from_env()}


def test_healthz_answers_503_while_the_object_store_is_stopped(
    client, db, azurite, monkeypatch
):
    storages = azure_storage(azurite, monkeypatch)
    assert storages["default"]["BACKEND"].endswith("AzureBlobStorage")
    with override_settings(STORAGES=storages):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}

        azurite.stop()
        started = time.monotonic()
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "error",
            "database": "ok",
            "storage": "unavailable",
        }
        assert "no-cache" in response["Cache-Control"]
        # A load balancer's probe times out after a few seconds; answer within it.
        assert time.monotonic() - started < 8

        azurite.start()  # on the same port, with the same data
        assert client.get("/healthz").status_code == 200
