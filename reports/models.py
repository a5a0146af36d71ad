"""The joint Audit Panel paper: a living draft, clearances and frozen publications."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from risks.choices import Marking
from risks.models import Organisation, Panel, ReportingPeriod, Theme


class SectionKind(models.TextChoices):
    """The parts of a panel paper, in the order the reference paper uses."""

    SUMMARY = "summary", "Overall summary of the purpose of the report"
    KEY_CONSIDERATIONS = "key_considerations", "Key considerations for the Panel"
    INTERDEPENDENCIES = "interdependencies", "Interdependencies/cross-cutting issues"
    RECOMMENDATIONS = "recommendations", "Recommendations"
    BODY = "body", "Numbered section"
    EQUALITY = "equality", "Equality and diversity impact"
    FINANCIAL = "financial", "Financial implications"
    LEGAL = "legal", "Legal implications"
    RISK = "risk", "Risk implications"
    CONTACT = "contact", "Contact details"
    APPENDICES = "appendices", "Appendices and background papers"


# Kinds that appear once, in the summary block before the numbered sections.
SUMMARY_KINDS = (
    SectionKind.SUMMARY,
    SectionKind.KEY_CONSIDERATIONS,
    SectionKind.INTERDEPENDENCIES,
    SectionKind.RECOMMENDATIONS,
)
# Kinds numbered after the body sections, in this order.
CLOSING_KINDS = (
    SectionKind.EQUALITY,
    SectionKind.FINANCIAL,
    SectionKind.LEGAL,
    SectionKind.RISK,
    SectionKind.CONTACT,
    SectionKind.APPENDICES,
)


class PanelPaper(models.Model):
    """A paper for one meeting of the joint Audit Panel (the current draft)."""

    meeting = models.CharField(max_length=200, default="MPS-MOPAC Joint Audit Panel")
    meeting_date = models.DateField()
    agenda_item = models.CharField(max_length=10, help_text='e.g. "5b".')
    title = models.CharField(max_length=300)
    report_by = models.CharField(
        max_length=300,
        help_text="Post titles, e.g. MOPAC Chief Executive Officer & Met Director "
        "of Strategy & Governance.",
    )
    period_label = models.CharField(
        "reporting period", max_length=20, help_text="e.g. 2019/20 Q2."
    )
    period_end = models.DateField(
        help_text="Appendix A shows the register as at the end of this day."
    )
    marking = models.CharField(
        "protective marking", max_length=20, choices=Marking, default=Marking.OFFICIAL
    )
    themes = models.ManyToManyField(
        Theme,
        blank=True,
        related_name="papers",
        help_text="Appendix A lists the agreed aligned risks of these themes.",
    )
    include_heat_maps = models.BooleanField(
        default=False, help_text="Add both organisations' heat maps to Appendix A."
    )
    revision = models.PositiveIntegerField(
        default=1,
        help_text="Increases on every edit; clearances are for one revision only.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    panel_meeting = models.ForeignKey(
        "Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="papers",
        help_text="The meeting the paper goes to (set by its agenda item).",
    )
    include_matters_arising = models.BooleanField(
        "include matters arising",
        default=False,
        help_text="Add a generated section listing the Panel's requests due at "
        "this meeting, their status and where each is answered.",
    )

    history = HistoricalRecords(m2m_fields=[themes])

    class Meta:
        ordering = ["-meeting_date", "agenda_item"]

    def __str__(self) -> str:
        return f"{self.agenda_item} {self.title} ({self.meeting_date:%d %B %Y})"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])


class PaperSection(models.Model):
    """One Markdown section of a paper."""

    paper = models.ForeignKey(
        PanelPaper, on_delete=models.CASCADE, related_name="sections"
    )
    kind = models.CharField(max_length=30, choices=SectionKind)
    heading = models.CharField(
        max_length=200,
        blank=True,
        help_text="Numbered sections need a heading; others use the standard one.",
    )
    body = models.TextField(
        blank=True, help_text="Markdown. Each paragraph is numbered in the paper."
    )
    order = models.PositiveSmallIntegerField(default=0)
    oral_update = models.BooleanField(
        "oral update at the meeting",
        default=False,
        help_text="The paper says an oral update will be given instead of text.",
    )
    is_sensitive = models.BooleanField(
        "OFFICIAL-SENSITIVE",
        default=False,
        help_text="Left out of the public edition.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=SectionKind.BODY) | ~Q(heading=""),
                name="section_body_needs_heading",
                violation_error_message="A numbered section needs a heading.",
            ),
        ]

    def __str__(self) -> str:
        return self.heading or self.get_kind_display()

    @property
    def title(self) -> str:
        return self.heading or self.get_kind_display()


class Clearance(models.Model):
    """One organisation's governance clearing one revision of a paper."""

    paper = models.ForeignKey(
        PanelPaper, on_delete=models.CASCADE, related_name="clearances"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "cleared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "organisation", "revision"],
                name="clearance_once_per_org_and_revision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} cleared revision {self.revision}"


class PublicationStatus(models.TextChoices):
    RENDERING = "rendering", "Rendering"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Rendering failed"


class Publication(models.Model):
    """A published, immutable version of a paper: both editions as PDF and .docx.

    Each stored file has its SHA-256 beside it.
    """

    paper = models.ForeignKey(
        PanelPaper, on_delete=models.PROTECT, related_name="publications"
    )
    version = models.PositiveIntegerField()
    revision = models.PositiveIntegerField(help_text="The paper revision published.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    full_pdf = models.FileField(upload_to="papers/", blank=True)
    full_sha256 = models.CharField(max_length=64, blank=True)
    public_pdf = models.FileField(upload_to="papers/", blank=True)
    public_sha256 = models.CharField(max_length=64, blank=True)
    # The same editions in Word (empty for versions published before Word).
    full_docx = models.FileField(upload_to="papers/", blank=True)
    full_docx_sha256 = models.CharField(max_length=64, blank=True)
    public_docx = models.FileField(upload_to="papers/", blank=True)
    public_docx_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=PublicationStatus, default=PublicationStatus.RENDERING
    )
    render_error = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "version"], name="publication_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper} v{self.version}"


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (.docx)"


CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
}


class RegisterReportStatus(models.TextChoices):
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Rendering failed"


class RegisterReport(models.Model):
    """A stored PDF or .docx of an organisation's register as at a period end.

    Registers too large to render during a request are rendered by a task into
    one of these. While nothing in the register changes up to the period end
    (`data_version`) and the report's markup is the same (`layout_version`), the
    stored file is served again instead of a new render.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(
        "risks.ReportingPeriod", on_delete=models.PROTECT, related_name="+"
    )
    period_label = models.CharField("reporting period", max_length=20)
    file_format = models.CharField(
        max_length=4, choices=FileFormat, default=FileFormat.PDF
    )
    data_version = models.DateTimeField(
        help_text="The register's latest recorded change up to the period end."
    )
    layout_version = models.PositiveIntegerField(
        default=1,
        help_text="The report layout it was rendered with (LAYOUT_VERSION).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=RegisterReportStatus,
        default=RegisterReportStatus.RENDERING,
    )
    pdf = models.FileField(upload_to="register-reports/", blank=True)
    docx = models.FileField(upload_to="register-reports/", blank=True)
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Of the stored file (PDF or .docx)."
    )
    risk_count = models.PositiveIntegerField(
        default=0, help_text="Open risks in the report."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation",
                    "period",
                    "period_label",
                    "file_format",
                    "data_version",
                    "layout_version",
                ],
                name="register_report_one_per_register_format_layout",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.organisation} register {self.period_label} "
            f"{self.file_format} ({self.status})"
        )

    @property
    def stored_file(self):
        """The stored PDF or .docx, as the format says."""
        return self.docx if self.file_format == FileFormat.DOCX else self.pdf


# --- Meetings, their agenda and the Panel's requests ------------------------------


class Meeting(models.Model):
    """One meeting of a panel: its date, marking and agenda."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    marking = models.CharField(
        "protective marking",
        max_length=20,
        choices=Marking,
        default=Marking.OFFICIAL,
        help_text="The least the agenda pack is marked; an item marked higher "
        "raises it.",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "panel"]
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "date"],
                name="meeting_one_per_panel_and_day",
                violation_error_message="The panel already meets on that day.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.panel}, {self.date:%d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("reports:meeting_detail", args=[self.pk])


class AgendaItemKind(models.TextChoices):
    PAPER = "paper", "The joint paper"
    REGISTER = "register", "An organisation's register report"
    TITLED = "titled", "A titled item without a document"


class AgendaItem(models.Model):
    """One item on a meeting's agenda, in order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    number = models.CharField("agenda item", max_length=10, help_text='e.g. "5b".')
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=AgendaItemKind)
    title = models.CharField(
        max_length=300,
        blank=True,
        help_text="Needed for a titled item; papers and registers have their own.",
    )
    paper = models.ForeignKey(
        PanelPaper,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    period = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The register is reported as at the end of this period.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="agenda_item_number_once_per_meeting",
                violation_error_message="That item number is already on the agenda.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=AgendaItemKind.PAPER,
                        paper__isnull=False,
                        period__isnull=True,
                    )
                    | Q(
                        kind=AgendaItemKind.REGISTER,
                        paper__isnull=True,
                        period__isnull=False,
                    )
                    | (
                        Q(
                            kind=AgendaItemKind.TITLED,
                            paper__isnull=True,
                            period__isnull=True,
                        )
                        & ~Q(title="")
                    )
                ),
                name="agenda_item_kind_has_its_document",
                violation_error_message="A paper item needs a paper, a register item "
                "a reporting period, and a titled item a title (and nothing else).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"

    @property
    def label(self) -> str:
        """The item's title as the agenda prints it (drafts' titles aside)."""
        if self.title:
            return self.title
        if self.kind == AgendaItemKind.REGISTER:
            return (
                f"{self.period.organisation.short_name} corporate risk register, "
                f"{self.period.label}"
            )
        return self.get_kind_display()


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class PanelRequest(models.Model):
    """Something the Panel asked for at one meeting, to come back at a later one."""

    text = models.TextField(help_text="What the Panel asked for, as minuted.")
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    owner_post = models.CharField(
        max_length=200, help_text="The post that answers it, never a name."
    )
    raised_at = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="requests_raised"
    )
    due_at = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="requests_due"
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus, default=RequestStatus.OPEN
    )
    answered_by = models.ForeignKey(
        PanelPaper,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_requests",
        help_text="The paper that answers it.",
    )
    answered_in = models.CharField(
        max_length=200,
        blank=True,
        help_text='Where in that paper, e.g. "section 3, oral update".',
    )
    is_sensitive = models.BooleanField(
        "OFFICIAL-SENSITIVE",
        default=False,
        help_text="Its text is left out of public editions.",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at__date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.ANSWERED)
                | Q(answered_by__isnull=False),
                name="panel_request_answered_names_paper",
                violation_error_message="Say which paper answered the request.",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class MeetingPack(models.Model):
    """A stored agenda pack: one PDF of a meeting's published items, one edition.

    `key` is a digest of what went into it (each item's published file, the
    register's data version, the cover's fields): while it is unchanged the
    stored pack is served again; any item that changes makes a new key.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="packs")
    edition = models.CharField(max_length=10)
    key = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10,
        choices=RegisterReportStatus,
        default=RegisterReportStatus.RENDERING,
    )
    pdf = models.FileField(upload_to="meeting-packs/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "edition", "key"],
                name="meeting_pack_one_per_content",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} pack ({self.edition}, {self.status})"


class QuestionStatus(models.TextChoices):
    """Where a member's question stands; derived, never stored."""

    OPEN = "open", "Awaiting an answer"
    DRAFTED = "drafted", "Answer drafted"
    ANSWERED = "answered", "Answered"


class Question(models.Model):
    """A panel member's question on a published paper, and governance's answer.

    The answer is shown to panel members only once published.
    """

    paper = models.ForeignKey(
        PanelPaper, on_delete=models.PROTECT, related_name="questions"
    )
    version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The published version of the paper the member read (empty for "
        "a question recorded on the paper as circulated, as the demo's is).",
    )
    # The section may be removed from the draft later; its heading is kept.
    section = models.ForeignKey(
        PaperSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    section_title = models.CharField(
        max_length=200, blank=True, help_text="Empty for a question on the paper."
    )
    text = models.TextField("question")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_published = models.BooleanField(
        default=False, help_text="Panel members see the answer once published."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "asked_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="question_has_text",
                violation_error_message="Enter your question.",
            ),
            models.CheckConstraint(
                condition=Q(answer_published=False) | ~Q(answer=""),
                name="question_published_answer_has_text",
                violation_error_message="An answer must have text to be published.",
            ),
        ]

    def __str__(self) -> str:
        return f"Question {self.pk} on {self.paper}"

    def get_absolute_url(self) -> str:
        return reverse("reports:question_answer", args=[self.pk])

    @property
    def status(self) -> QuestionStatus:
        if self.answer_published:
            return QuestionStatus.ANSWERED
        return QuestionStatus.DRAFTED if self.answer else QuestionStatus.OPEN

    @property
    def on(self) -> str:
        """Say what the question is on: a section's heading or the paper."""
        return self.section_title or "The paper as a whole"
