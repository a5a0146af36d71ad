"""What /healthz must answer about an object store, whichever kind it is."""

import time

from django.test import override_settings


def assert_healthz_follows_the_store(client, server) -> None:
    """200 while the server runs, 503 in a probe's timeout once stopped, 200 again."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}

    server.stop()
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

    server.start()  # on the same port
    assert client.get("/healthz").status_code == 200


def assert_healthz_refuses_a_missing_container(client, storages, option: str) -> None:
    """503 when the store answers but its container or bucket (`option`) is not there.

    Every write would fail there, so the node is not healthy.
    """
    storages["default"]["OPTIONS"][option] = "no-such-container"
    with override_settings(STORAGES=storages):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"
