"""Reading OIDC_PROVIDERS: each malformed value is refused with a message naming it."""

import json
import re
from pathlib import Path

import pytest

from accounts.provider_config import GroupGrant, ProviderConfigError, parse_providers

GOOD = {
    "name": "mps",
    "label": "Sign in with MPS account",
    "issuer": "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0/",
    "client_id": "00000000-aaaa-bbbb-cccc-000000000001",
    "client_secret": "from-the-key-vault",
    "groups": {"g-gov": "mps:governance", "g-panel": "panel"},
}


def test_a_good_list_is_read():
    (provider,) = parse_providers(json.dumps([GOOD]))
    assert provider.issuer.endswith("/v2.0")  # trailing slash dropped
    assert provider.groups["g-gov"] == GroupGrant("mps", "governance")
    assert provider.groups["g-panel"].is_panel
    assert provider.subject_claim == "sub"
    assert "from-the-key-vault" not in repr(provider)


def test_unset_means_no_providers():
    assert parse_providers("") == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "is not valid JSON"),
        ('{"name": "mps"}', "must be a JSON list"),
        ("[1]", "OIDC_PROVIDERS[0] must be a JSON object"),
        (json.dumps([{**GOOD, "client_secret": ""}]), "lacks client_secret"),
        (json.dumps([{**GOOD, "name": "MPS tenant"}]), "lower-case letters"),
        (json.dumps([{**GOOD, "issuer": "http://idp.example"}]), "https URL"),
        (json.dumps([{**GOOD, "groups": ["g"]}]), "groups must be an object"),
        (json.dumps([{**GOOD, "groups": {"g": "mps:admin"}}]), 'group "g" maps to'),
        (json.dumps([{**GOOD, "groups": {"g": "reader"}}]), "organisation-slug"),
        (json.dumps([{**GOOD, "subject_claim": "email"}]), "subject_claim"),
        (json.dumps([GOOD, GOOD]), "names a provider twice: mps"),
    ],
)
def test_malformed_values_are_refused_with_a_message(value, message):
    with pytest.raises(ProviderConfigError, match=re.escape(message)):
        parse_providers(value)


def test_entra_oid_may_identify_people():
    (provider,) = parse_providers(json.dumps([{**GOOD, "subject_claim": "oid"}]))
    assert provider.subject_claim == "oid"


@pytest.mark.parametrize("document", ["README.md", "docs/sso.md"])
def test_the_worked_example_in_the_docs_is_a_valid_setting(document, settings):
    text = Path(settings.BASE_DIR, document).read_text()
    example = re.search(r"export OIDC_PROVIDERS='(.*?)'\n", text, re.S)
    assert example, f"{document} has no OIDC_PROVIDERS example"
    providers = parse_providers(example.group(1))
    assert [p.name for p in providers] == ["mps", "mopac"]
    assert all(
        p.issuer.startswith("https://login.microsoftonline.com/") for p in providers
    )
    callback = "https://<host>/accounts/oidc/{}/login/callback/"
    assert all(callback.format(p.name) in text for p in providers)
