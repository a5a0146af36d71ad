"""Move existing papers onto meeting records, matching meeting name and date."""

from django.db import migrations
from django.utils import timezone

REASON = "Paper moved onto its meeting record"


def _history(apps, model_name: str, instance, *, kind: str, at):
    """Write the history row a service would have written (migrations keep none)."""
    app_label = instance._meta.app_label
    historical = apps.get_model(app_label, f"Historical{model_name}")
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
    }
    return historical.objects.create(
        **values,
        history_date=at,
        history_type=kind,
        history_change_reason=REASON,
    )


def papers_onto_meetings(apps, schema_editor):
    """Give each paper the meeting of its panel (by name) on its date.

    A panel named as the paper's meeting is created (over every organisation)
    when there is none yet; the paper becomes an item on that meeting's agenda.
    """
    Organisation = apps.get_model("risks", "Organisation")
    Panel = apps.get_model("risks", "Panel")
    PanelPaper = apps.get_model("reports", "PanelPaper")
    Meeting = apps.get_model("reports", "Meeting")
    AgendaItem = apps.get_model("reports", "AgendaItem")
    HistoricalPanel = apps.get_model("risks", "HistoricalPanel")
    themes_history = apps.get_model("reports", "HistoricalPanelPaper_themes")
    panel_organisations_history = apps.get_model(
        "risks", "HistoricalPanel_organisations"
    )
    now = timezone.now()
    for paper in PanelPaper.objects.filter(panel_meeting__isnull=True).order_by(
        "meeting_date", "agenda_item", "pk"
    ):
        panel = Panel.objects.filter(name=paper.meeting).first()
        if panel is None:
            panel = Panel.objects.create(name=paper.meeting)
            panel.organisations.set(Organisation.objects.all())
            row = HistoricalPanel.objects.create(
                id=panel.pk,
                name=panel.name,
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for through in Panel.organisations.through.objects.filter(panel=panel):
                panel_organisations_history.objects.create(
                    id=through.pk,
                    history=row,
                    panel_id=panel.pk,
                    organisation_id=through.organisation_id,
                )
        meeting = Meeting.objects.filter(panel=panel, date=paper.meeting_date).first()
        if meeting is None:
            meeting = Meeting.objects.create(panel=panel, date=paper.meeting_date)
            _history(apps, "Meeting", meeting, kind="+", at=now)
        number = paper.agenda_item or "-"
        taken = set(
            AgendaItem.objects.filter(meeting=meeting).values_list("number", flat=True)
        )
        suffix = 1
        while number in taken:  # two papers under one item number: keep both
            suffix += 1
            number = f"{paper.agenda_item}-{suffix}"[:10]
        item = AgendaItem.objects.create(
            meeting=meeting,
            number=number,
            order=10 * (len(taken) + 1),
            kind="paper",
            paper=paper,
        )
        _history(apps, "AgendaItem", item, kind="+", at=now)
        paper.panel_meeting = meeting
        paper.save(update_fields=["panel_meeting"])
        row = _history(apps, "PanelPaper", paper, kind="~", at=now)
        for through in PanelPaper.themes.through.objects.filter(panelpaper=paper):
            themes_history.objects.create(
                id=through.pk,
                history=row,
                panelpaper_id=paper.pk,
                theme_id=through.theme_id,
            )


def papers_off_meetings(apps, schema_editor):
    """Going back, the papers keep their meeting name and date as text."""
    apps.get_model("reports", "PanelPaper").objects.update(panel_meeting=None)
    apps.get_model("reports", "AgendaItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_panels_meetings"),
        ("risks", "0005_panels_and_panel_seats"),
    ]

    operations = [
        migrations.RunPython(papers_onto_meetings, papers_off_meetings),
    ]
