"""Demo data: the MOPAC and MPS registers as at September 2019, and demo users.

The data (plain dataclasses) lives in `people`, `mopac` and `mps`; `loader`
writes it through the register's services. Alignment links between the two
registers are added by the alignment app's own demo step, not here.
"""

from .loader import DemoResult, load_demo

DEFAULT_PASSWORD = "riskregister-demo"  # noqa: S105 - documented demo password

__all__ = ["DEFAULT_PASSWORD", "DemoResult", "load_demo"]
