"""Real OpenID Providers (npm oidc-provider) for the sign-in tests, one per case.

Each is started once per test session, on 127.0.0.1 on a port of its own, and
stopped at the end. The register is pointed at them through OIDC_PROVIDERS.
"""

import json
import socket
from urllib.parse import urlsplit

import pytest

from accounts.provider_config import parse_providers
from tests.oidc.server import CLIENT_SECRET, OidcServer, client, provider_sign_in

BASE_URL = "http://testserver"
# Group object ids as Entra ID sends them.
MPS_GOVERNANCE = "0b6f1d4e-8c1a-4e0b-9f3e-2a7d5c9e1f01"
MPS_OWNERS = "0b6f1d4e-8c1a-4e0b-9f3e-2a7d5c9e1f02"
MPS_READERS = "0b6f1d4e-8c1a-4e0b-9f3e-2a7d5c9e1f03"
MOPAC_GOVERNANCE = "7c2e9a10-3d4b-4f6a-8e1c-5b0a9d8c7e01"
AUDIT_PANEL = "7c2e9a10-3d4b-4f6a-8e1c-5b0a9d8c7e09"
UNMAPPED = "9d9d9d9d-0000-4000-8000-000000000000"
GROUPS = {
    MPS_GOVERNANCE: "mps:governance",
    MPS_OWNERS: "mps:owner",
    MPS_READERS: "mps:reader",
    MOPAC_GOVERNANCE: "mopac:governance",
    AUDIT_PANEL: "panel",
}
ACCOUNTS = {
    "mps-gov-1": {"groups": [MPS_GOVERNANCE], "preferred_username": "gov@mps.test"},
    "mps-owner-1": {"groups": [MPS_OWNERS, MPS_READERS]},
    "mps-mailbox-1": {
        "groups": [MPS_READERS],
        "email": "risk.team@mps.test",
    },
    "mps-oid-1": {
        "groups": [MPS_GOVERNANCE],
        "oid": "5e1f0c3a-7b2d-4e8f-9a6c-1d2e3f4a5b6c",
    },
    "mps-mover": {"groups": [MPS_GOVERNANCE]},
    "mps-both": {"groups": [MPS_READERS, MPS_GOVERNANCE, MPS_OWNERS]},
    "panel-1": {"groups": [AUDIT_PANEL, UNMAPPED]},
    "unmapped-1": {"groups": [UNMAPPED]},
    "no-groups-1": {},
    "string-groups-1": {"groups": MPS_GOVERNANCE},
    "two-orgs-1": {"groups": [MPS_GOVERNANCE, MOPAC_GOVERNANCE]},
    # Entra ID's form for a person in more than 200 groups: a pointer to Graph.
    "overage-1": {
        "_claim_names": {"groups": "src1"},
        "_claim_sources": {
            "src1": {
                "endpoint": "https://graph.microsoft.com/v1.0/users/1/getMemberObjects"
            }
        },
    },
}
NAMES = [
    *("mps", "mopac", "tenant2", "hs256", "rogue", "skewed", "imposter"),
    *("silent", "closed", "nologout"),
]


def _server(**options) -> OidcServer:
    # The second client's ID tokens are signed with its secret (HS256), not a key.
    hs256 = {**client("register-hs256", BASE_URL, NAMES)}
    hs256["id_token_signed_response_alg"] = "HS256"
    return OidcServer(
        clients=[client("register", BASE_URL, NAMES), hs256],
        accounts=json.loads(json.dumps(ACCOUNTS)),
        id_token_algs=["RS256", "HS256"],
        **options,
    )


@pytest.fixture(scope="session")
def idp():
    """The organisations' provider, behaving as it should."""
    server = _server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def second_tenant_idp():
    """Another tenant's provider, behaving as it should."""
    server = _server().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rogue_idp():
    """A provider whose ID tokens are signed with a key its JWKS does not hold."""
    server = _server(publish_other_key=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def skewed_idp():
    """A provider whose clock is two hours slow: its ID tokens (valid for an hour)
    arrive expired."""
    server = _server(tokens_clock_offset_seconds=-7200).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imposter_idp():
    """A provider that names another issuer than the one configured for it."""
    issuer = (
        "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000dead/v2.0"
    )
    server = _server(issuer=issuer).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def no_logout_idp():
    """A provider that offers no end-session endpoint."""
    server = _server(end_session=False).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def silent_port():
    """A port where a server accepts connections and never answers (a hung provider)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture(scope="session")
def closed_port():
    """A port nothing listens on (a provider that is down)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def provider_entry(name: str, issuer: str, label: str = "") -> dict:
    return {
        "name": name,
        "label": label or f"Sign in with {name.upper()} account",
        "issuer": issuer,
        "client_id": "register",
        "client_secret": CLIENT_SECRET,
        "groups": GROUPS,
    }


@pytest.fixture
def providers(settings, idp, db):
    """Point the register at the test providers (the others only when asked for)."""

    def configure(**issuers: str) -> None:
        entries = [
            provider_entry("mps", idp.issuer, "Sign in with MPS account"),
            provider_entry("mopac", idp.issuer, "Sign in with MOPAC account"),
        ]
        entries += [provider_entry(name, issuer) for name, issuer in issuers.items()]
        settings.OIDC_PROVIDERS = parse_providers(json.dumps(entries))

    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 2
    configure()
    return configure


def start_sign_in(client, name: str = "mps") -> str:
    """Press the provider's button on the sign-in page; return where it sends us."""
    response = client.post(f"/accounts/oidc/{name}/login/")
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def come_back(client, url: str):
    """Follow the provider's redirect back to the register with the test client."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, account: str, name: str = "mps"):
    """Sign in through the provider as `account`; return the register's answer."""
    return come_back(client, provider_sign_in(start_sign_in(client, name), account))
