"""Demo data: the MOPAC and MPS registers as at September 2019, and demo users.

The data (plain dataclasses) lives in `people`, `mopac` and `mps`; `loader`
writes it through the register's services. Alignment links between the two
registers are added by the alignment app's own demo step, not here.
"""

from django.conf import settings

from .loader import DemoResult, load_demo

DEFAULT_PASSWORD = "riskregister-demo"  # noqa: S105 - documented demo password


def is_production_settings() -> bool:
    """Say whether production settings are in use (or demo data is turned off)."""
    # Demo and generated users share a published password: never on a live system.
    module = settings.SETTINGS_MODULE or ""
    allowed = getattr(settings, "DEMO_DATA_ALLOWED", True)
    return module.rsplit(".", 1)[-1] == "prod" or not allowed


__all__ = ["DEFAULT_PASSWORD", "DemoResult", "is_production_settings", "load_demo"]
