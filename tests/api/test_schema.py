"""The OpenAPI schema: every endpoint, read-only, every field documented."""

from django.urls import reverse


def test_schema_documents_every_endpoint_and_field(client, world):
    client.force_login(world.users["mopac-reader"])
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/risks/",
        "/api/v1/risks/{id}/",
        "/api/v1/controls/",
        "/api/v1/actions/",
        "/api/v1/reviews/",
        "/api/v1/periods/",
        "/api/v1/periods/{id}/changes/",
        "/api/v1/alignment-links/",
        "/api/v1/papers/",
        "/api/v1/organisations/",
        "/api/v1/dashboard/risks/",
    ):
        assert path in paths
        assert set(schema["paths"][path]) == {"get"}  # read-only
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "401", "404", "429"} <= set(responses)
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    undocumented = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not spec.get("description")
        and "$ref" not in spec
        and "allOf" not in spec
        and not name.startswith("Paginated")
    ]
    assert undocumented == []


def test_schema_needs_a_token_or_a_session(client, world):
    assert client.get(reverse("api:schema")).status_code == 401
