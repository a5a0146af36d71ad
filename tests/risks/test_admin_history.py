"""History is append-only in the admin: shown, never reverted or edited."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from risks import services
from risks.models import Risk


@pytest.fixture
def admin_client(client, world):
    admin = get_user_model().objects.create_superuser(
        "root-admin", "admin@example.invalid", "correct-horse-battery"
    )
    client.force_login(admin)
    return client


def test_history_page_is_read_only(admin_client, world):
    services.risk_update(
        risk=world.mopac_risk,
        user=world.users["mopac-owner"],
        data={"title": "Second title"},
        reason="Rename",
    )
    risk = world.mopac_risk
    page = admin_client.get(reverse("admin:risks_risk_history", args=[risk.pk]))
    assert page.status_code == 200
    assert "Rename" in page.content.decode()
    first = risk.history.order_by("history_id").first()
    url = reverse("admin:risks_risk_simple_history", args=[risk.pk, first.history_id])
    before = Risk.history.count()
    response = admin_client.post(url, {"title": first.title})
    assert response.status_code in (200, 403, 404)  # shown again, not saved
    risk.refresh_from_db()
    assert risk.title == "Second title"
    assert Risk.history.count() == before


def test_historical_models_are_not_registered_in_admin(admin_client):
    from django.contrib import admin

    registered = {model._meta.label for model in admin.site._registry}
    assert not any("Historical" in label for label in registered)
