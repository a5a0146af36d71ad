"""The documented shape of every API response (OpenAPI components).

The views shape their rows with api.rows (plain dicts from values() queries,
cheaper than a serializer per row); these classes describe those dicts field by
field for the schema, and the schema tests check every response against them.
"""

from rest_framework import serializers as s

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

from .rows import CHANGE_KINDS


def choice_serializer(name: str, choices, what: str) -> type[s.Serializer]:
    """A {code, label} object for one choice list; the code is what filters take."""
    return type(
        name,
        (s.Serializer,),
        {
            "code": s.ChoiceField(choices=choices, help_text=f"{what}: stable code."),
            "label": s.CharField(help_text=f"{what}: label as the pages show it."),
            "__doc__": f"{what}, as code and label.",
        },
    )


CategoryChoice = choice_serializer("Category", Category.choices, "Orange Book category")
StatusChoice = choice_serializer("RiskStatus", RiskStatus.choices, "Risk status")
HorizonChoice = choice_serializer("Horizon", Horizon.choices, "Horizon")
TreatmentChoice = choice_serializer("Treatment", Treatment.choices, "Treatment")
AppetiteChoice = choice_serializer("Appetite", Appetite.choices, "Risk appetite")
ProximityChoice = choice_serializer("Proximity", Proximity.choices, "Proximity")
MarkingChoice = choice_serializer("Marking", Marking.choices, "Protective marking")
DirectionChoice = choice_serializer(
    "Direction", Direction.choices, "Direction of travel"
)
ControlTypeChoice = choice_serializer(
    "ControlType", ControlType.choices, "Control type"
)
EffectivenessChoice = choice_serializer(
    "Effectiveness", Effectiveness.choices, "Control effectiveness"
)
AssuranceChoice = choice_serializer(
    "AssuranceLine", AssuranceLine.choices, "Assurance line"
)
ActionStatusChoice = choice_serializer(
    "ActionStatus", ActionStatus.choices, "Action status"
)
ChangeKindChoice = choice_serializer(
    "ChangeKind",
    [(code, label) for label, code in CHANGE_KINDS.items()],
    "Kind of change",
)


class Band(s.Serializer):
    """A rating band (configured: low, medium, high, very high)."""

    code = s.CharField(help_text="Band key, e.g. very_high.")
    label = s.CharField(help_text="Band label, e.g. Very high.")


class Assessment(s.Serializer):
    """Likelihood and impact (1 to 5 each), their product and its band."""

    likelihood = s.IntegerField(min_value=1, max_value=5, help_text="1 (rare) to 5.")
    impact = s.IntegerField(min_value=1, max_value=5, help_text="1 (minimal) to 5.")
    score = s.IntegerField(min_value=1, max_value=25, help_text="Likelihood × impact.")
    band = Band(help_text="The score's rating band.")


class ThemeRef(s.Serializer):
    slug = s.SlugField(help_text="Theme slug (the `theme` filter takes it).")
    name = s.CharField(help_text="Theme name, e.g. Community engagement.")


class Risk(s.Serializer):
    """A risk of one organisation's register, with its derived values."""

    id = s.IntegerField(help_text="Stable id of the risk.")
    url = s.URLField(help_text="This risk in the API (with its children).")
    reference = s.CharField(help_text="Unique within the organisation, e.g. MOPAC-R07.")
    organisation = s.SlugField(help_text="Slug of the risk's organisation.")
    title = s.CharField(help_text="Short title of the risk.")
    cause = s.CharField(allow_blank=True, help_text="Because of … (the cause).")
    event = s.CharField(allow_blank=True, help_text="There is a risk that … (event).")
    effect = s.CharField(allow_blank=True, help_text="Which would result in … .")
    themes = ThemeRef(
        many=True,
        allow_null=True,
        help_text="Theme tags; null in a register as at a past day (not kept).",
    )
    owner = s.CharField(
        allow_null=True, help_text="Username of the owner, null when none is named."
    )
    owner_post = s.CharField(help_text="Owner's post title, e.g. Director of Strategy.")
    category = CategoryChoice()
    status = StatusChoice()
    horizon = HorizonChoice()
    treatment = TreatmentChoice()
    appetite = AppetiteChoice()
    proximity = ProximityChoice()
    marking = MarkingChoice()
    inherent = Assessment(help_text="Before any control.")
    current = Assessment(help_text="With the controls in place now.")
    target = Assessment(help_text="Where the actions should bring it.")
    within_appetite = s.BooleanField(
        help_text="Whether the current score is within the appetite's ceiling."
    )
    direction = DirectionChoice(
        help_text="Latest review's score against the previous review's."
    )
    target_date = s.DateField(
        allow_null=True, help_text="When the target should be reached."
    )
    public_summary = s.CharField(
        allow_blank=True, help_text="Used in public papers instead of sensitive text."
    )
    next_review_date = s.DateField(allow_null=True, help_text="Next review due.")
    review_overdue = s.BooleanField(help_text="Open and past its next review date.")
    closed_on = s.DateField(allow_null=True, help_text="When it was closed.")


class Control(s.Serializer):
    """Something in place that reduces a risk."""

    id = s.IntegerField(help_text="Stable id of the control.")
    risk = s.IntegerField(help_text="Id of its risk.")
    risk_reference = s.CharField(help_text="Reference of its risk.")
    organisation = s.SlugField(help_text="Slug of its risk's organisation.")
    description = s.CharField(help_text="What the control is.")
    control_type = ControlTypeChoice()
    owner_post = s.CharField(help_text="Post title of its owner.")
    effectiveness = EffectivenessChoice()
    assurance_line = AssuranceChoice()


class Action(s.Serializer):
    """Further work planned to bring a risk towards its target."""

    id = s.IntegerField(help_text="Stable id of the action.")
    risk = s.IntegerField(help_text="Id of its risk.")
    risk_reference = s.CharField(help_text="Reference of its risk.")
    organisation = s.SlugField(help_text="Slug of its risk's organisation.")
    description = s.CharField(help_text="What will be done.")
    owner_post = s.CharField(help_text="Post title of its owner.")
    due_date = s.DateField(help_text="Original due date.")
    revised_due_date = s.DateField(
        allow_null=True, help_text="Revised due date, when it slipped."
    )
    status = ActionStatusChoice()
    overdue = s.BooleanField(help_text="Open and past its (revised) due date today.")


class PeriodRef(s.Serializer):
    id = s.IntegerField(help_text="Id of the reporting period.")
    label = s.CharField(help_text="e.g. 2019/20 Q2.")
    start = s.DateField(help_text="First day.")
    end = s.DateField(help_text="Last day.")


class Review(s.Serializer):
    """A quarterly review of one risk in one reporting period."""

    id = s.IntegerField(help_text="Stable id of the review.")
    risk = s.IntegerField(help_text="Id of the risk reviewed.")
    risk_reference = s.CharField(help_text="Reference of the risk reviewed.")
    organisation = s.SlugField(help_text="Slug of the risk's organisation.")
    period = PeriodRef(help_text="The reporting period of the review.")
    likelihood = s.IntegerField(min_value=1, max_value=5, help_text="At the review.")
    impact = s.IntegerField(min_value=1, max_value=5, help_text="At the review.")
    score = s.IntegerField(help_text="Likelihood × impact at the review.")
    band = Band(help_text="The score's rating band.")
    commentary = s.CharField(help_text="What changed this quarter and why.")
    reviewed_by = s.CharField(help_text="Username of who recorded it.")
    reviewed_on = s.DateField(help_text="Day of the review.")


class RiskSide(s.Serializer):
    id = s.IntegerField(help_text="Id of the risk.")
    reference = s.CharField(help_text="Reference of the risk.")
    organisation = s.SlugField(help_text="Slug of its organisation.")


class RelationshipChoice(s.Serializer):
    code = s.ChoiceField(
        choices=["shared", "contributes_to", "mirror"], help_text="Stable code."
    )
    label = s.CharField(help_text="Label as the pages show it.")


class LinkStatusChoice(s.Serializer):
    code = s.ChoiceField(
        choices=["proposed", "agreed", "declined", "ended"], help_text="Stable code."
    )
    label = s.CharField(help_text="Label as the pages show it.")


class AlignmentLink(s.Serializer):
    """Two organisations' agreement (or proposal) that two risks are one concern."""

    id = s.IntegerField(help_text="Stable id of the link.")
    theme = ThemeRef(help_text="The theme the risks share.")
    relationship = RelationshipChoice()
    status = LinkStatusChoice(help_text="Only agreed links grant the other side.")
    rationale = s.CharField(help_text="Why the two risks are aligned.")
    proposer_risk = RiskSide(help_text="The risk of the organisation that proposed it.")
    partner_risk = RiskSide(help_text="The other organisation's risk.")
    decision_reason = s.CharField(
        allow_blank=True, help_text="Why it was agreed, declined or ended."
    )


class RiskDetail(Risk):
    """A risk with its controls, actions, reviews and agreed aligned risks."""

    controls = Control(many=True, help_text="Its controls.")
    actions = Action(many=True, help_text="Its actions, soonest due first.")
    reviews = Review(many=True, help_text="Its quarterly reviews, oldest first.")
    aligned = AlignmentLink(
        many=True, help_text="Its agreed links whose other risk you may see."
    )


class Organisation(s.Serializer):
    id = s.IntegerField(help_text="Stable id.")
    slug = s.SlugField(help_text="e.g. mopac; the `organisation` filter takes it.")
    short_name = s.CharField(help_text="e.g. MOPAC.")
    name = s.CharField(help_text="Full name.")


class Period(s.Serializer):
    """A quarter of one organisation's financial year."""

    id = s.IntegerField(help_text="Stable id (the `period` filter takes it).")
    organisation = s.SlugField(help_text="Slug of its organisation.")
    label = s.CharField(help_text="e.g. 2019/20 Q2.")
    start = s.DateField(help_text="First day.")
    end = s.DateField(help_text="Last day.")
    is_closed = s.BooleanField(help_text="Closed periods' reviews are frozen.")
    closed_at = s.DateTimeField(allow_null=True, help_text="When it was closed.")
    changes_url = s.URLField(
        help_text="The quarter's changes (governance officers only)."
    )


class Paper(s.Serializer):
    """A published Audit Panel paper as published (drafts are never listed)."""

    id = s.IntegerField(help_text="Stable id of the paper.")
    meeting = s.CharField(help_text="e.g. MPS-MOPAC Joint Audit Panel.")
    meeting_date = s.DateField(help_text="Day of the meeting.")
    agenda_item = s.CharField(help_text='e.g. "5b".')
    title = s.CharField(help_text="Title as published.")
    report_by = s.CharField(help_text="Post titles of its authors.")
    period_label = s.CharField(help_text="Reporting period it covers.")
    period_end = s.DateField(help_text="Appendix A shows the registers as at then.")
    marking = MarkingChoice()
    version = s.IntegerField(help_text="Latest published version.")
    published_at = s.DateTimeField(help_text="When that version was published.")
    pdf_url = s.URLField(help_text="The full PDF (signed-in browser).")
    public_pdf_url = s.URLField(help_text="The public (redacted) PDF.")


class Change(s.Serializer):
    """One change in an organisation's register during a reporting period."""

    kind = ChangeKindChoice()
    risk = s.IntegerField(help_text="Stable id of the risk.")
    reference = s.CharField(help_text="Reference of the risk.")
    title = s.CharField(help_text="Title of the risk.")
    detail = s.CharField(allow_blank=True, help_text="What changed.")
    before = s.CharField(allow_blank=True, help_text="Value before.")
    after = s.CharField(allow_blank=True, help_text="Value after.")
    when = s.DateTimeField(allow_null=True, help_text="When (null: review overdue).")
    who = s.CharField(allow_blank=True, help_text="Username or post responsible.")
    reason = s.CharField(allow_blank=True, help_text="Reason recorded with it.")


class DashboardRisk(s.Serializer):
    """One flat row per risk for a dashboard table (Power BI): no nesting."""

    id = s.IntegerField(help_text="Stable id of the risk.")
    organisation = s.CharField(help_text="Short name, e.g. MOPAC.")
    reference = s.CharField(help_text="Reference of the risk.")
    title = s.CharField(help_text="Title of the risk.")
    public_summary = s.CharField(allow_blank=True, help_text="Public summary.")
    display_title = s.CharField(
        help_text="The public summary for an OFFICIAL-SENSITIVE risk, else the title."
    )
    marking = s.CharField(help_text="OFFICIAL or OFFICIAL-SENSITIVE.")
    category = s.CharField(help_text="Category code.")
    category_label = s.CharField(help_text="Category label.")
    status = s.CharField(help_text="Status code: draft, open or closed.")
    status_label = s.CharField(help_text="Status label.")
    themes = s.CharField(allow_blank=True, help_text="Theme names joined by '; '.")
    owner_post = s.CharField(help_text="Owner's post title.")
    inherent_score = s.IntegerField(help_text="Inherent likelihood × impact.")
    current_score = s.IntegerField(help_text="Current likelihood × impact.")
    target_score = s.IntegerField(help_text="Target likelihood × impact.")
    inherent_band = s.CharField(help_text="Band label of the inherent score.")
    current_band = s.CharField(help_text="Band label of the current score.")
    target_band = s.CharField(help_text="Band label of the target score.")
    appetite = s.CharField(help_text="Appetite label.")
    within_appetite = s.BooleanField(help_text="Current score within the appetite.")
    direction = s.CharField(help_text="increasing, decreasing, stable or new.")
    direction_label = s.CharField(help_text="Direction of travel, as text.")
    next_review_date = s.DateField(allow_null=True, help_text="Next review due.")
    review_overdue = s.BooleanField(help_text="Open and past its next review date.")
    overdue_actions = s.IntegerField(help_text="Open actions past their due date.")
    has_overdue_actions = s.BooleanField(help_text="overdue_actions > 0.")
    aligned_references = s.CharField(
        allow_blank=True, help_text="References of agreed aligned risks, by '; '."
    )


class Error(s.Serializer):
    """Why a request was refused."""

    detail = s.CharField(help_text="A sentence saying what was wrong.")
