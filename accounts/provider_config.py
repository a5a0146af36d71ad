"""The OIDC_PROVIDERS setting: one OpenID Connect provider (Entra ID tenant) each.

Read by the settings at start-up, before Django's apps load, so it imports nothing
from Django: a malformed value stops the start with a message naming the fault.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ROLES = ("governance", "owner", "reader")
PANEL = "panel"
REQUIRED = ("name", "label", "issuer", "client_id", "client_secret", "groups")


class ProviderConfigError(ValueError):
    """OIDC_PROVIDERS is not a valid list of providers."""


@dataclass(frozen=True)
class GroupGrant:
    """What one group of a provider gives: an organisation role, or the panel seat."""

    organisation: str = ""  # an organisation's slug; empty for the panel seat
    role: str = ""  # one of ROLES; empty for the panel seat

    @property
    def is_panel(self) -> bool:
        return not self.organisation


@dataclass(frozen=True)
class Provider:
    """One configured OpenID Connect provider."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    groups: dict[str, GroupGrant]
    # The claim that identifies a person for good: "sub", or Entra's "oid".
    subject_claim: str = "sub"


def _grant(provider: str, group: str, value: object) -> GroupGrant:
    if value == PANEL:
        return GroupGrant()
    org, _, role = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not org or role not in ROLES:
        raise ProviderConfigError(
            f'OIDC_PROVIDERS: provider "{provider}", group "{group}" maps to '
            f'{value!r}; expected "<organisation-slug>:<role>" with a role of '
            f'{", ".join(ROLES)}, or "{PANEL}".'
        )
    return GroupGrant(organisation=org, role=role)


def _provider(index: int, item: object) -> Provider:
    if not isinstance(item, dict):
        raise ProviderConfigError(f"OIDC_PROVIDERS[{index}] must be a JSON object.")
    missing = [key for key in REQUIRED if not item.get(key)]
    if missing:
        raise ProviderConfigError(
            f"OIDC_PROVIDERS[{index}] lacks {', '.join(missing)}."
        )
    name = item["name"]
    if not isinstance(name, str) or not NAME.match(name):
        raise ProviderConfigError(
            f"OIDC_PROVIDERS[{index}]: name {name!r} must be lower-case letters, "
            "digits and hyphens (it is part of the sign-in URL)."
        )
    for key in ("label", "issuer", "client_id", "client_secret"):
        if not isinstance(item[key], str):
            raise ProviderConfigError(
                f'OIDC_PROVIDERS: provider "{name}": {key} must be a string.'
            )
    if not item["issuer"].startswith(("https://", "http://127.0.0.1")):
        raise ProviderConfigError(
            f'OIDC_PROVIDERS: provider "{name}": the issuer must be an https URL.'
        )
    if not isinstance(item["groups"], dict):
        raise ProviderConfigError(
            f'OIDC_PROVIDERS: provider "{name}": groups must be an object of '
            "group id to role."
        )
    subject_claim = item.get("subject_claim", "sub")
    if subject_claim not in ("sub", "oid"):
        raise ProviderConfigError(
            f'OIDC_PROVIDERS: provider "{name}": subject_claim must be "sub" or "oid".'
        )
    return Provider(
        name=name,
        label=item["label"],
        issuer=item["issuer"].rstrip("/"),
        client_id=item["client_id"],
        client_secret=item["client_secret"],
        groups={
            str(group): _grant(name, str(group), value)
            for group, value in item["groups"].items()
        },
        subject_claim=subject_claim,
    )


def parse_providers(text: str) -> tuple[Provider, ...]:
    """Parse the OIDC_PROVIDERS JSON; raise ProviderConfigError saying what is wrong."""
    if not text.strip():
        return ()
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProviderConfigError(
            f"OIDC_PROVIDERS is not valid JSON: {error.msg} at line {error.lineno} "
            f"column {error.colno}."
        ) from None
    if not isinstance(items, list):
        raise ProviderConfigError("OIDC_PROVIDERS must be a JSON list of providers.")
    providers = tuple(_provider(index, item) for index, item in enumerate(items))
    names = [provider.name for provider in providers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ProviderConfigError(
            f"OIDC_PROVIDERS names a provider twice: {', '.join(duplicates)}."
        )
    return providers


def provider_origins(providers: tuple[Provider, ...]) -> list[str]:
    """The providers' origins, where sign-in and sign-out forms redirect to."""
    return sorted({"://".join(urlsplit(p.issuer)[:2]) for p in providers})
