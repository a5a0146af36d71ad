"""/healthz reads the object store: 503 while it is down, in time for a probe."""

import os
import socket
import time

import pytest
from django.conf import settings
from django.test import override_settings

from riskregister.settings.base import default_storage_from_env

from .health import (
    assert_healthz_follows_the_store,
    assert_healthz_refuses_a_missing_container,
)
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
        # Azurite keeps its data across the restart.
        assert_healthz_follows_the_store(client, azurite)


def test_healthz_answers_503_when_the_container_does_not_exist(
    client, db, azurite, monkeypatch
):
    storages = azure_storage(azurite, monkeypatch)
    assert_healthz_refuses_a_missing_container(client, storages, "azure_container")


def test_healthz_on_the_file_system_asks_for_a_file_and_writes_none(
    client, db, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "reports.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    assert client.get("/healthz").status_code == 200
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def silent_endpoint():
    """An address that takes connections and never answers, as a hung store."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_healthz_answers_503_in_time_when_an_s3_store_hangs(
    client, db, silent_endpoint, monkeypatch
):
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "riskregister")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", silent_endpoint)
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-west-2")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("STORAGE_TIMEOUT_SECONDS", "2")
    storages = {**settings.STORAGES, "default": default_storage_from_env()}
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    with override_settings(STORAGES=storages):
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"
    # Two tries of 2 s each, not boto3's default of up to five of 60 s each.
    assert 4 <= waited < 8
