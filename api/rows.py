"""The API's rows: read through the register's own selectors, shaped as plain dicts.

Every queryset here starts from the selectors that the pages use
(access.viewable_risks, access.viewable_periods, alignment's viewable_links,
reports' viewable_papers), so a token reads exactly what its owner reads in the
browser. Lists are read as values() with their related columns joined or
aggregated in the same query (theme names and agreed links in one more query
each, for the whole page): the number of queries does not grow with rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from functools import cache

from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from alignment.models import AlignmentLink
from alignment.selectors import viewable_links
from reports import selectors as report_selectors
from reports.models import PanelPaper, Publication, PublicationStatus
from risks import access, scoring, selectors
from risks.changes import KINDS, Change
from risks.choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Direction,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    RiskStatus,
    Treatment,
)
from risks.models import Action, Control, Organisation, Review, Risk, Theme

CHOICES = {
    "category": Category,
    "status": RiskStatus,
    "horizon": Horizon,
    "treatment": Treatment,
    "appetite": Appetite,
    "proximity": Proximity,
    "marking": Marking,
    "control_type": ControlType,
    "effectiveness": Effectiveness,
    "assurance_line": AssuranceLine,
    "action_status": ActionStatus,
}


@cache
def labels(name: str) -> dict[str, str]:
    """Return code → label of a choice list as plain strings, built once.

    The choices' labels are lazy strings: resolving one per cell cost more than
    the rest of a 1,000-row page.
    """
    return {code: str(label) for code, label in CHOICES[name].choices}


RISK_CHOICE_FIELDS = tuple(list(CHOICES)[:7])


# The {code, label} objects below are built once and shared by every row that
# has them: a 1,000-row page otherwise builds some 15,000 small dicts that differ
# in nothing. They are only ever rendered, never changed.


@cache
def _choice_objects(name: str) -> dict[str, dict]:
    return {
        code: {"code": code, "label": label} for code, label in labels(name).items()
    }


def choice(code: str | None, name: str) -> dict | None:
    """Return a choice as {code, label}."""
    if code is None:
        return None
    found = _choice_objects(name).get(code)
    return found if found is not None else {"code": code, "label": code}


def band(score: int | None) -> dict | None:
    found = scoring.band_for(score)
    return {"code": found.key, "label": found.label} if found else None


# Built again when the configured bands change (scoring.bands() is then another
# object), so that an overridden setting takes effect at once.
_assessments: list = [None, {}]


def assessment(likelihood: int | None, impact: int | None) -> dict:
    """Return likelihood, impact, score and band (one shared object per pair)."""
    bands = scoring.bands()
    if _assessments[0] is not bands:
        _assessments[:] = [bands, {}]
    found = _assessments[1].get((likelihood, impact))
    if found is None:
        value = scoring.score(likelihood, impact)
        found = _assessments[1][likelihood, impact] = {
            "likelihood": likelihood,
            "impact": impact,
            "score": value,
            "band": band(value),
        }
    return found


@cache
def direction(value: Direction) -> dict:
    return {"code": value.value, "label": str(value.label)}


def theme_ids() -> Subquery:
    """The ids of the risk's themes, comma-separated, in the risk's own row.

    Ids only, named in Python (with_themes): joined to the themes inside the
    subquery, PostgreSQL hashed the themes table again for every row, a third
    of a 1,000-row page's query.
    """
    through = Risk.themes.through.objects.filter(risk=OuterRef("pk"))
    return Subquery(
        through.order_by()
        .values("risk")
        .annotate(ids=StringAgg(Cast("theme_id", CharField()), Value(",")))
        .values("ids")
    )


def with_themes(rows: Iterable[dict]) -> list[dict]:
    """Give each row of theme_ids its themes as [{slug, name}] by name (one query)."""
    rows = list(rows)
    if not rows:
        return rows
    themes = {
        pk: {"slug": slug, "name": name}
        for pk, slug, name in Theme.objects.values_list("pk", "slug", "name")
    }
    for row in rows:
        ids = row.pop("theme_ids")
        # A theme deleted since the row was read is left out.
        found = (themes.get(int(pk)) for pk in ids.split(",")) if ids else ()
        row["themes"] = sorted(filter(None, found), key=lambda t: t["name"])
    return rows


# --- Risks ------------------------------------------------------------------

RISK_FIELDS = (
    "pk",
    "reference",
    "organisation__slug",
    "title",
    "cause",
    "event",
    "effect",
    "owner__username",
    "owner_post",
    *RISK_CHOICE_FIELDS,
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "target_date",
    "public_summary",
    "next_review_date",
    "closed_on",
)


RISK_ORDER = ("reference", "pk")


def ordered_ids(risks: QuerySet[Risk], ordering: tuple[str, ...]) -> QuerySet:
    """Return the risks' ids in the order of the list, to cut a page from."""
    return risks.order_by(*ordering).values_list("pk", flat=True)


def risk_rows(risks: QuerySet[Risk]) -> list[dict]:
    """Return the risks as values with their themes and review scores, by reference."""
    return with_themes(
        selectors.with_review_scores(risks)
        .annotate(theme_ids=theme_ids())
        .order_by(*RISK_ORDER)
        .values(
            *RISK_FIELDS,
            "theme_ids",
            "latest_review_score",
            "previous_review_score",
        )
    )


def shape_risk(row: dict, today: date, url) -> dict:
    """Shape one row of risk_rows (or of a risk as it stood) for the API."""
    current = scoring.score(row["current_likelihood"], row["current_impact"])
    return {
        "id": row["pk"],
        "url": url(row["pk"]),
        "reference": row["reference"],
        "organisation": row["organisation__slug"],
        "title": row["title"],
        "cause": row["cause"],
        "event": row["event"],
        "effect": row["effect"],
        "themes": None if row.get("as_at") else row["themes"],
        "owner": row["owner__username"],
        "owner_post": row["owner_post"],
        **{name: choice(row[name], name) for name in RISK_CHOICE_FIELDS},
        "inherent": assessment(row["inherent_likelihood"], row["inherent_impact"]),
        "current": assessment(row["current_likelihood"], row["current_impact"]),
        "target": assessment(row["target_likelihood"], row["target_impact"]),
        "within_appetite": scoring.within_appetite(current, row["appetite"]),
        "direction": direction(
            row["direction"]
            if "direction" in row
            else scoring.direction_of_travel(
                row["previous_review_score"], row["latest_review_score"]
            )
        ),
        "target_date": row["target_date"],
        "public_summary": row["public_summary"],
        "next_review_date": row["next_review_date"],
        "review_overdue": scoring.review_is_overdue(
            status=row["status"], next_review_date=row["next_review_date"], today=today
        ),
        "closed_on": row["closed_on"],
    }


def historical_row(row) -> dict:
    """A row of as_at.register_as_at as the values shape_risk reads."""
    risk = row.risk
    values = {
        name: getattr(risk, name)
        for name in RISK_FIELDS
        if "__" not in name and name != "pk"
    }
    return values | {
        "pk": risk.pk,
        "organisation__slug": row.organisation.slug,
        "owner__username": row.owner or None,
        "themes": None,  # tags are not kept per version: null, not a guess
        "as_at": True,
        "direction": row.direction,
    }


def instance_row(risk: Risk, direction_: Direction) -> dict:
    """A risk fetched with selectors.risk_page_risks as the values shape_risk reads."""
    values = {
        name: getattr(risk, name)
        for name in RISK_FIELDS
        if "__" not in name and name != "pk"
    }
    return values | {
        "pk": risk.pk,
        "organisation__slug": risk.organisation.slug,
        "owner__username": risk.owner.get_username() if risk.owner else None,
        "themes": sorted(
            ({"slug": t.slug, "name": t.name} for t in risk.themes.all()),
            key=lambda t: t["name"],
        ),
        "direction": direction_,
    }


# --- Controls, actions, reviews ---------------------------------------------


def _of_viewable(model, user) -> QuerySet:
    return model.objects.filter(risk__in=access.viewable_risks(user).values("pk"))


CONTROL_FIELDS = (
    "pk",
    "risk_id",
    "risk__reference",
    "risk__organisation__slug",
    "description",
    "control_type",
    "owner_post",
    "effectiveness",
    "assurance_line",
)


def control_rows(user) -> QuerySet:
    return _of_viewable(Control, user).order_by("pk").values(*CONTROL_FIELDS)


def shape_control(row: dict) -> dict:
    return {
        "id": row["pk"],
        "risk": row["risk_id"],
        "risk_reference": row["risk__reference"],
        "organisation": row["risk__organisation__slug"],
        "description": row["description"],
        "control_type": choice(row["control_type"], "control_type"),
        "owner_post": row["owner_post"],
        "effectiveness": choice(row["effectiveness"], "effectiveness"),
        "assurance_line": choice(row["assurance_line"], "assurance_line"),
    }


ACTION_FIELDS = (
    "pk",
    "risk_id",
    "risk__reference",
    "risk__organisation__slug",
    "description",
    "owner_post",
    "due_date",
    "revised_due_date",
    "status",
)


def overdue_actions(actions: QuerySet, today: date) -> QuerySet:
    """Keep the open actions whose (revised) due date has passed."""
    return actions.exclude(status__in=scoring.CLOSED_ACTION_STATUSES).filter(
        Q(revised_due_date__lt=today)
        | Q(revised_due_date__isnull=True, due_date__lt=today)
    )


def action_rows(user) -> QuerySet:
    return _of_viewable(Action, user).order_by("pk").values(*ACTION_FIELDS)


def shape_action(row: dict, today: date) -> dict:
    return {
        "id": row["pk"],
        "risk": row["risk_id"],
        "risk_reference": row["risk__reference"],
        "organisation": row["risk__organisation__slug"],
        "description": row["description"],
        "owner_post": row["owner_post"],
        "due_date": row["due_date"],
        "revised_due_date": row["revised_due_date"],
        "status": choice(row["status"], "action_status"),
        "overdue": scoring.action_is_overdue(
            status=row["status"],
            due_date=row["due_date"],
            revised_due_date=row["revised_due_date"],
            today=today,
        ),
    }


REVIEW_FIELDS = (
    "pk",
    "risk_id",
    "risk__reference",
    "risk__organisation__slug",
    "period_id",
    "period__label",
    "period__start",
    "period__end",
    "likelihood",
    "impact",
    "commentary",
    "reviewed_by__username",
    "reviewed_on",
)


def review_rows(user) -> QuerySet:
    return _of_viewable(Review, user).order_by("pk").values(*REVIEW_FIELDS)


def shape_review(row: dict) -> dict:
    return {
        "id": row["pk"],
        "risk": row["risk_id"],
        "risk_reference": row["risk__reference"],
        "organisation": row["risk__organisation__slug"],
        "period": {
            "id": row["period_id"],
            "label": row["period__label"],
            "start": row["period__start"],
            "end": row["period__end"],
        },
        **assessment(row["likelihood"], row["impact"]),
        "commentary": row["commentary"],
        "reviewed_by": row["reviewed_by__username"],
        "reviewed_on": row["reviewed_on"],
    }


# --- Organisations, periods -------------------------------------------------


def organisation_rows() -> QuerySet:
    return Organisation.objects.order_by("short_name").values(
        "pk", "slug", "short_name", "name"
    )


def period_rows(user) -> QuerySet:
    return (
        access.viewable_periods(user)
        .order_by("organisation__short_name", "start", "pk")
        .values(
            "pk",
            "organisation__slug",
            "label",
            "start",
            "end",
            "is_closed",
            "closed_at",
        )
    )


# --- The quarter's changes ---------------------------------------------------

# The kinds of change as stable codes ("Score change" → "score_change").
CHANGE_KINDS = {label: label.lower().replace(" ", "_") for label in KINDS}


def shape_change(change: Change) -> dict:
    """One change of a period, its kind as code and label."""
    return {
        "kind": {"code": CHANGE_KINDS[change.kind], "label": change.kind},
        "risk": change.risk_id,
        "reference": change.reference,
        "title": change.title,
        "detail": change.detail,
        "before": change.before,
        "after": change.after,
        "when": change.when,
        "who": change.who,
        "reason": change.reason,
    }


# --- Alignment links ----------------------------------------------------------


def link_rows(user) -> QuerySet[AlignmentLink]:
    return (
        viewable_links(user)
        .select_related(
            "theme",
            "proposer_risk__organisation",
            "partner_risk__organisation",
        )
        .order_by("pk")
    )


def _link_side(risk: Risk) -> dict:
    return {
        "id": risk.pk,
        "reference": risk.reference,
        "organisation": risk.organisation.slug,
    }


def shape_link(link: AlignmentLink) -> dict:
    return {
        "id": link.pk,
        "theme": {"slug": link.theme.slug, "name": link.theme.name},
        "relationship": {
            "code": link.relationship,
            "label": link.get_relationship_display(),
        },
        "status": {"code": link.status, "label": link.get_status_display()},
        "rationale": link.rationale,
        "proposer_risk": _link_side(link.proposer_risk),
        "partner_risk": _link_side(link.partner_risk),
        "decision_reason": link.decision_reason,
    }


# --- Published papers ---------------------------------------------------------


def paper_rows(user) -> QuerySet[PanelPaper]:
    """Published papers only, for every role: the API never serves a draft."""
    latest = Publication.objects.filter(
        paper=OuterRef("pk"), status=PublicationStatus.PUBLISHED
    ).order_by("-version")
    return (
        report_selectors.published(report_selectors.viewable_papers(user))
        .annotate(
            published_version=Subquery(latest.values("version")[:1]),
            published_at=Subquery(latest.values("published_at")[:1]),
            published_revision=Subquery(latest.values("revision")[:1]),
        )
        .order_by("-meeting_date", "agenda_item", "pk")
    )


PAPER_FACE_FIELDS = (
    "meeting",
    "meeting_date",
    "agenda_item",
    "title",
    "report_by",
    "period_label",
    "period_end",
    "marking",
)


def paper_faces(papers: Iterable[PanelPaper]) -> dict[int, dict]:
    """Return each paper's fields as published (never the draft since), one query."""
    papers = list(papers)
    wanted = {paper.pk: paper.published_revision for paper in papers}
    rows = (
        PanelPaper.history.filter(
            id__in=list(wanted), revision__in=set(wanted.values())
        )
        .order_by("history_date", "history_id")
        .values("id", "revision", *PAPER_FACE_FIELDS)
    )
    faces = {}
    for row in rows:  # the last row of the published revision wins
        if wanted.get(row["id"]) == row["revision"]:
            faces[row["id"]] = row
    return faces


# --- The flat dashboard list --------------------------------------------------


def aligned_references(risk_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return risk id → references of the risks aligned with it by agreed links.

    One query for the page rather than a subquery per row: PostgreSQL scanned
    the (small) links table once per row, about half the dashboard query's time. Every
    agreed link is read, a few hundred rows at most, and kept when it touches
    the page: cheaper than sending the page's ids back as parameters.
    """
    wanted = set(risk_ids)
    found = defaultdict(list)
    links = AlignmentLink.objects.agreed().values_list(
        "proposer_risk_id",
        "proposer_risk__reference",
        "partner_risk_id",
        "partner_risk__reference",
    )
    for proposer, proposer_ref, partner, partner_ref in links:
        if proposer in wanted:
            found[proposer].append(partner_ref)
        if partner in wanted:
            found[partner].append(proposer_ref)
    return found


def _overdue_action_count(today: date) -> Coalesce:
    overdue = overdue_actions(Action.objects.filter(risk=OuterRef("pk")), today)
    return Coalesce(
        Subquery(
            overdue.order_by().values("risk").annotate(n=Count("pk")).values("n")[:1]
        ),
        0,
    )


DASHBOARD_FIELDS = (
    "pk",
    "organisation__short_name",
    "reference",
    "title",
    "public_summary",
    "marking",
    "category",
    "status",
    "owner_post",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "appetite",
    "next_review_date",
)


DASHBOARD_ORDER = ("organisation__short_name", "reference", "pk")


def dashboard_rows(risks: QuerySet[Risk], today: date) -> list[dict]:
    """One row per risk: plain values, its aggregates in the same query; then
    its themes and aligned references (one query each, whatever the rows).

    `risks` must come from access.viewable_risks (or ids cut from it).
    """
    rows = with_themes(
        selectors.with_review_scores(risks)
        .order_by(*DASHBOARD_ORDER)
        .values(*DASHBOARD_FIELDS, "latest_review_score", "previous_review_score")
        .annotate(theme_ids=theme_ids(), overdue_actions=_overdue_action_count(today))
    )
    aligned = aligned_references(row["pk"] for row in rows) if rows else {}
    for row in rows:
        row["aligned_references"] = sorted(aligned.get(row["pk"], ()))
    return rows


def shape_dashboard(row: dict, today: date) -> dict:
    """One flat row for a Power BI table: no nesting, labels beside codes."""
    scores = {
        part: scoring.score(row[f"{part}_likelihood"], row[f"{part}_impact"])
        for part in ("inherent", "current", "target")
    }
    bands = {part: scoring.band_for(value) for part, value in scores.items()}
    sensitive = row["marking"] == Marking.OFFICIAL_SENSITIVE
    travel = scoring.direction_of_travel(
        row["previous_review_score"], row["latest_review_score"]
    )
    return {
        "id": row["pk"],
        "organisation": row["organisation__short_name"],
        "reference": row["reference"],
        "title": row["title"],
        "public_summary": row["public_summary"],
        "display_title": row["public_summary"] if sensitive else row["title"],
        "marking": labels("marking")[row["marking"]],
        "category": row["category"],
        "category_label": labels("category")[row["category"]],
        "status": row["status"],
        "status_label": labels("status")[row["status"]],
        "themes": "; ".join(theme["name"] for theme in row["themes"]),
        "owner_post": row["owner_post"],
        **{f"{part}_score": value for part, value in scores.items()},
        **{
            f"{part}_band": found.label if found else None
            for part, found in bands.items()
        },
        "appetite": labels("appetite")[row["appetite"]],
        "within_appetite": scoring.within_appetite(scores["current"], row["appetite"]),
        "direction": travel.value,
        "direction_label": travel.label,
        "next_review_date": row["next_review_date"],
        "review_overdue": scoring.review_is_overdue(
            status=row["status"], next_review_date=row["next_review_date"], today=today
        ),
        "overdue_actions": row["overdue_actions"],
        "has_overdue_actions": row["overdue_actions"] > 0,
        "aligned_references": "; ".join(row["aligned_references"]),
    }
