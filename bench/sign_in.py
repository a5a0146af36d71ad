"""Server time and queries of signing in through an OpenID Provider.

A real provider (npm oidc-provider, tests/oidc/provider.mjs) runs on 127.0.0.1;
the register runs in-process (Django's test client) on a throwaway SQLite file
under var/bench/ (or DATABASE_URL when given). For each person the sign-in is
started (POST to /accounts/oidc/mps/login/: the provider's discovery document
is fetched), the person signs in at the provider (not timed: that is the
provider's and the person's time), and the callback is timed: code exchange,
discovery and JWKS fetched again, the ID token verified, the membership synced,
the session written. First sign-ins create the user; repeat ones find them.

Two floors: the provider's own part of the callback (the same three HTTP calls,
discovery, token endpoint and JWKS, made directly with requests for codes issued
the same way), and a password sign-in's own writes (session, access log, last
login). The callback is compared with their sum.

    python bench/sign_in.py [--people 15]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

SQLITE = ROOT / "var" / "bench" / "sign_in.sqlite3"
GROUP = "0b6f1d4e-8c1a-4e0b-9f3e-2a7d5c9e1f01"


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "riskregister.settings.test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=15)
    args = parser.parse_args()
    SQLITE.parent.mkdir(parents=True, exist_ok=True)
    SQLITE.unlink(missing_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE}"
    _setup_django(database_url)

    import requests
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.provider_config import parse_providers
    from risks.models import Organisation
    from tests.oidc.server import CLIENT_SECRET, OidcServer, client, provider_sign_in

    setup_test_environment()  # the test client's host, "testserver", is allowed
    people = [f"person-{n}" for n in range(args.people)]
    server = OidcServer(
        clients=[client("register", "http://testserver", ["mps"])],
        accounts={p: {"groups": [GROUP]} for p in people},
    ).start()
    try:
        settings.OIDC_PROVIDERS = parse_providers(
            json.dumps(
                [
                    {
                        "name": "mps",
                        "label": "Sign in with MPS account",
                        "issuer": server.issuer,
                        "client_id": "register",
                        "client_secret": CLIENT_SECRET,
                        "groups": {GROUP: "mps:governance"},
                    }
                ]
            )
        )
        Organisation.objects.get_or_create(
            slug="mps", defaults={"short_name": "MPS", "name": "Metropolitan Police"}
        )
        figures = {"first sign-in": [], "repeat sign-in": [], "start": []}
        queries = {}
        for label in ("first sign-in", "repeat sign-in"):
            for person in people:
                browser = Client()
                began = time.perf_counter()
                location = browser.post("/accounts/oidc/mps/login/")["Location"]
                figures["start"].append(time.perf_counter() - began)
                back = urlsplit(provider_sign_in(location, person))
                with CaptureQueriesContext(connection) as captured:
                    began = time.perf_counter()
                    response = browser.get(f"{back.path}?{back.query}")
                    figures[label].append(time.perf_counter() - began)
                assert response.status_code == 302, response.content[:300]
                queries[label] = len(captured.captured_queries)

        # Floor: the provider's three calls alone, for a code issued the same way.
        floor = []
        discovery_url = f"{server.issuer}/.well-known/openid-configuration"
        for person in people:
            browser = Client()
            location = browser.post("/accounts/oidc/mps/login/")["Location"]
            query = parse_qs(urlsplit(location).query)
            code = parse_qs(urlsplit(provider_sign_in(location, person)).query)["code"]
            began = time.perf_counter()
            with requests.Session() as http:
                discovery = http.get(discovery_url, timeout=10).json()
                http.post(
                    discovery["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code[0],
                        "redirect_uri": query["redirect_uri"][0],
                        "client_id": "register",
                        "client_secret": CLIENT_SECRET,
                        "code_verifier": browser.session["socialaccount_states"][
                            query["state"][0]
                        ][0]["pkce_code_verifier"],
                    },
                    timeout=10,
                ).raise_for_status()
                http.get(discovery["jwks_uri"], timeout=10).raise_for_status()
            floor.append(time.perf_counter() - began)
        # Floor: a password sign-in's own writes (session, access log, last login),
        # with the test settings' fast hasher so that hashing does not count.
        get_user_model().objects.create_user("bench-local", password="bench-pw-1")  # noqa: S106
        password_floor = []
        for _ in people:
            browser = Client()
            began = time.perf_counter()
            response = browser.post(
                "/accounts/login/",
                {"username": "bench-local", "password": "bench-pw-1"},
            )
            password_floor.append(time.perf_counter() - began)
            assert response.status_code == 302
    finally:
        server.stop()

    vendor = connection.vendor
    print(f"Sign-in through a local OpenID Provider, {args.people} people, {vendor}")
    print(f"{'step':<38}{'median ms':>10}{'queries':>9}")
    print(f"{'start (POST, discovery fetched)':<38}{_median_ms(figures['start']):>10}")
    for label in ("first sign-in", "repeat sign-in"):
        median = _median_ms(figures[label])
        print(f"{'callback, ' + label:<38}{median:>10}{queries[label]:>9}")
    print(f"{'floor: the 3 provider calls alone':<38}{_median_ms(floor):>10}")
    print(f"{'floor: a password sign-in':<38}{_median_ms(password_floor):>10}")
    both = statistics.median(floor) + statistics.median(password_floor)
    ratio = statistics.median(figures["repeat sign-in"]) / both
    print(f"repeat callback / (provider calls + password sign-in): {ratio:.2f}x")


if __name__ == "__main__":
    main()
