"""Flat export rows: labels, derived values, theme order, children by risk order."""

import datetime

from risks import export_rows
from risks.choices import ActionStatus, Appetite
from risks.export_rows import (
    ACTION_COLUMNS,
    CONTROL_COLUMNS,
    RISK_COLUMNS,
    action_rows,
    control_rows,
    risk_rows,
)
from risks.models import Risk, Theme

from ..factories import ActionFactory, ControlFactory, RiskFactory, ThemeFactory


def keyed(columns, rows) -> list[dict]:
    return [dict(zip((c.key for c in columns), row, strict=True)) for row in rows]


def test_a_risk_row_holds_labels_and_derived_values(world):
    risk = world.mopac_risk
    risk.themes.add(ThemeFactory(name="Violence"), ThemeFactory(name="Finance"))
    Risk.objects.filter(pk=risk.pk).update(appetite=Appetite.OPEN)
    (row,) = keyed(RISK_COLUMNS, risk_rows(Risk.objects.filter(pk=risk.pk)))
    assert row["reference"] == "MOPAC-R01"
    assert row["organisation"] == "MOPAC"
    assert row["category"] == "Operations"
    assert row["themes"] == "Finance; Violence"
    assert row["owner_username"] == "mopac-owner"
    assert row["horizon"] == "Long-term"
    assert (row["inherent_score"], row["inherent_band"]) == (20, "Very high")
    assert (row["current_score"], row["current_band"]) == (12, "High")
    assert (row["target_score"], row["target_band"]) == (6, "Medium")
    assert (row["appetite"], row["within_appetite"]) == ("Open", "Yes")
    assert row["next_review_date"] == datetime.date(2019, 12, 31)


def test_a_code_without_a_label_is_shown_as_stored(world):
    # As get_category_display() shows a value no longer among the choices.
    Risk.objects.filter(pk=world.mopac_risk.pk).update(category="retired")
    (row,) = keyed(
        RISK_COLUMNS, risk_rows(Risk.objects.filter(organisation__slug="mopac"))
    )
    assert row["category"] == "retired"


def test_theme_names_follow_themes_added_or_deleted_meanwhile(world):
    old = ThemeFactory(name="Zulu")
    names = export_rows._ThemeNames()
    new = ThemeFactory(name="Alpha")
    assert names(f"{old.pk},{new.pk}") == "Alpha; Zulu"
    deleted = ThemeFactory(name="Gone")
    Theme.objects.filter(pk=deleted.pk).delete()
    assert names(f"{deleted.pk},{old.pk}") == "Zulu"
    assert names(None) == names("") == ""


def test_children_come_by_risk_in_the_register_order(world):
    low = RiskFactory(
        organisation=world.mopac,
        reference="MOPAC-R00",
        current_likelihood=1,
        current_impact=1,
    )
    high = world.mopac_risk  # current score 12
    for risk in (low, high):
        ControlFactory(risk=risk, description=f"Second of {risk.reference}")
    ControlFactory(risk=high, description="Third of MOPAC-R01")
    ActionFactory(risk=low, due_date=datetime.date(2020, 1, 1))
    ActionFactory(
        risk=high,
        description="Later",
        due_date=datetime.date(2020, 6, 1),
        status=ActionStatus.COMPLETE,
    )
    ActionFactory(risk=high, description="Sooner", due_date=datetime.date(2019, 6, 1))
    risks = Risk.objects.filter(organisation=world.mopac).with_scores()
    by_score = ("-current_score_db", "reference", "pk")
    controls = keyed(CONTROL_COLUMNS, control_rows(risks, by_score))
    assert [c["description"] for c in controls] == [
        "Second of MOPAC-R01",
        "Third of MOPAC-R01",
        "Second of MOPAC-R00",
    ]
    assert {c["control_type"] for c in controls} == {"Preventive"}
    by_reference = keyed(CONTROL_COLUMNS, control_rows(risks, ("reference", "pk")))
    assert by_reference[0]["risk_reference"] == "MOPAC-R00"
    today = datetime.date(2019, 12, 1)
    actions = keyed(ACTION_COLUMNS, action_rows(risks, by_score, today))
    assert [(a["description"], a["status"], a["overdue"]) for a in actions] == [
        ("Sooner", "Not started", "Yes"),
        ("Later", "Complete", "No"),
        ("Commission an independent review.", "Not started", "No"),
    ]
