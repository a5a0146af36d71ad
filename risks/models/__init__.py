"""Models of the risk register."""

from .organisations import Membership, Organisation, Panel, PanelMember
from .periods import ReportingPeriod, Review
from .reminders import ReminderLog
from .risks import (
    Action,
    ActionFields,
    Control,
    Risk,
    RiskGroupObjectPermission,
    RiskUserObjectPermission,
    Theme,
)

__all__ = [
    "Action",
    "ActionFields",
    "Control",
    "Membership",
    "Organisation",
    "Panel",
    "PanelMember",
    "ReminderLog",
    "ReportingPeriod",
    "Review",
    "Risk",
    "RiskGroupObjectPermission",
    "RiskUserObjectPermission",
    "Theme",
]
