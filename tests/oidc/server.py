"""Run the test OpenID Provider (tests/oidc/provider.mjs) and sign in through it.

`OidcServer` starts one provider process on 127.0.0.1 (a port the system picks),
waits until its discovery document answers, and stops it. `provider_sign_in`
walks its real sign-in and consent pages over HTTP, as a browser would.
"""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import requests
from django.conf import settings

SCRIPT = Path(__file__).with_name("provider.mjs")
NODE = shutil.which("node") or "node"
CLIENT_SECRET = "register-test-secret"  # noqa: S105


class OidcServer:
    """One running provider; `issuer` and `url` are known once it has started."""

    def __init__(self, *, clients: list[dict], accounts: dict, **options):
        self.config = {"clients": clients, "accounts": accounts, **options}
        self.process = None
        self._config_path = None
        self.issuer = self.url = ""

    def start(self) -> "OidcServer":
        module = Path(settings.BASE_DIR, "node_modules", "oidc-provider")
        if not module.exists():
            raise RuntimeError("node_modules/oidc-provider is missing: run `npm ci`.")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(self.config, file)
        self._config_path = Path(file.name)
        self.process = subprocess.Popen(  # noqa: S603
            [NODE, str(SCRIPT), str(self._config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=settings.BASE_DIR,
        )
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("The test OpenID Provider did not start.")
        started = json.loads(line)
        self.issuer, self.url = started["issuer"], started["url"]
        self._wait_for_discovery()
        return self

    def _wait_for_discovery(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = requests.get(
                    f"{self.url}/.well-known/openid-configuration", timeout=2
                )
                if response.ok:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    "The test OpenID Provider's discovery never answered."
                )
            time.sleep(0.1)

    def set_claims(self, account: str, claims: dict) -> None:
        """Change what the provider says of a person from their next sign-in."""
        self.config["accounts"][account] = claims
        self._config_path.write_text(json.dumps(self.config))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()
        if self._config_path:
            self._config_path.unlink(missing_ok=True)


def client(client_id: str, base_url: str, names: list[str]) -> dict:
    """A confidential client whose redirect URIs are the register's callbacks."""
    return {
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [
            f"{base_url}/accounts/oidc/{name}/login/callback/" for name in names
        ],
        "post_logout_redirect_uris": [f"{base_url}/accounts/login/"],
        "token_endpoint_auth_method": "client_secret_post",
    }


def provider_sign_in(authorize_url: str, account: str) -> str:
    """Sign in at the provider as `account` and consent; return the redirect back.

    Follows the provider's own pages (its development login form takes any
    password) and stops at the first redirect leaving the provider.
    """
    session = requests.Session()
    base = authorize_url.split("/auth", 1)[0]
    url = authorize_url
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(base):
                return url
            continue
        # An interaction page: the login form first, then the consent form.
        prompt = "login" if 'name="login"' in response.text else "consent"
        data = {"prompt": prompt}
        if prompt == "login":
            data.update(login=account, password="any")  # noqa: S106
        action = response.text.split('action="', 1)[1].split('"', 1)[0]
        posted = session.post(
            urljoin(url, action), data=data, allow_redirects=False, timeout=10
        )
        url = urljoin(url, posted.headers["Location"])
        if not url.startswith(base):
            return url
    raise AssertionError("The provider never sent the person back.")
