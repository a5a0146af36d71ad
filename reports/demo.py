"""The demo panel paper: "Alignment of MOPAC and Met Risks", 18 September 2019.

It follows the structure of the real quarterly paper to the joint Audit Panel,
written afresh. Contacts are posts and role mailboxes, never people.
"""

from datetime import date, datetime, timedelta

from risks.choices import Marking
from risks.models import Organisation, Panel, ReportingPeriod, Theme
from risks.recording import record

from . import meeting_services, services
from .models import (
    AgendaItemKind,
    Meeting,
    PanelPaper,
    PanelRequest,
    Question,
    SectionKind,
)

TITLE = "Alignment of MOPAC and Met Risks"
MEETING_DATE = date(2019, 9, 18)
PREFERRED_PERIOD = "2019/20 Q1"
# Appendix A: the risks with a significant community engagement response.
THEMES = ("Community engagement",)

PAPER = {
    "meeting": "MPS-MOPAC Joint Audit Panel",
    "meeting_date": MEETING_DATE,
    "agenda_item": "5b",
    "title": TITLE,
    "report_by": (
        "MOPAC Chief Executive Officer & Met Director of Strategy & Governance"
    ),
    "marking": Marking.OFFICIAL,
    "include_heat_maps": True,
    "include_matters_arising": True,
}
# The June meeting, at which the Panel asked for the finance report.
JUNE_MEETING = date(2019, 6, 19)
FINANCE_REQUEST = "The Panel asked for a report on the aligned finance risk."
FINANCE_OWNER = ("mopac", "Chief Finance Officer")
FINANCE_ANSWERED_IN = "section 3, Aligned Finance risk (oral update)"
# Items 8a and 8b: each organisation's register as at the paper's quarter end.
REGISTER_ITEMS = (("8a", "mopac"), ("8b", "mps"))

SUMMARY = """\
This paper reports, quarter by quarter, on the risks that MOPAC and the Met
hold in common. This time it looks at the controls both organisations rely on
to manage the risks around engagement with London's communities, and at the
work under way to understand and meet the needs of the people we serve through
good local engagement.

The Met has finished its annual refresh of the corporate risk register and is
changing the way it describes and manages risk. Over the next quarter the two
organisations will revisit how their risks are aligned to reflect that change.

The Panel asked for a report on the aligned finance risk. With the Spending
Round due on 4 September and the national allocation of additional officers
still under discussion, the most useful report will be given orally at the
meeting; the key points are set out below to help the Panel prepare.

During the quarter each organisation has reviewed its aligned risks and
continued to deliver the controls recorded against them.
"""

KEY_CONSIDERATIONS = """\
The Panel's help is sought in judging how best to analyse the combined
engagement and diversion activity of both organisations, so that its effect
can be measured and future engagement targeted where it matters most.
"""

INTERDEPENDENCIES = """\
- This paper draws on the MOPAC and Met risk registers, which are presented as
  separate items (8a and 8b) on this agenda.
"""

RECOMMENDATIONS = """\
The Audit Panel is recommended to:

1. Comment on the governance and risk controls in place for community
   engagement.
2. Comment at the meeting on the current risks and opportunities around
   finance.
"""

ALIGNMENT = """\
MOPAC and the Met keep strengthening the way they discuss risk and align it
wherever that is possible and useful. Each organisation sits on the other's
main risk forum: the Met's Risk and Assurance Board and MOPAC's Governance and
Risk Working Group. Because the Met has just refreshed its risks and adopted a
new approach, both organisations will review how they align risk over the next
quarter.

At MOPAC, risk has political oversight through a standing monthly item with the
Deputy Mayor for Policing and Crime, the Chief Executive and the Directors. A
joint engagement working group meets regularly so that the two organisations'
activities stay in step.

The Panel asked for a summary of the activity behind the community engagement
and finance risks. It follows in sections 2 and 3.
"""

COMMUNITY_ENGAGEMENT = """\
### Context

The Police Reform and Social Responsibility Act 2011 requires MOPAC, in
consultation with the Met, to obtain the views of Londoners and of victims of
crime on the policing of the capital, and to secure their co-operation in
preventing crime. The Act leaves open how this should be done, but expects the
results to inform the Police and Crime Plan and the policing budget.

Policing in London depends on the consent and support of the public, and that
support cannot be taken for granted. Research consistently finds that fair
treatment and effective engagement are the strongest drivers of public
confidence, and that involving communities also helps them become more
resilient and cohesive.

Community engagement is an important part of three MOPAC risks:

- protecting the most vulnerable and serving those most in need;
- meeting MOPAC's duties to promote diversity as an employer, an oversight
  body and in its public engagement;
- mobilising a partnership response to violent crime that keeps the
  confidence of communities.

The Met holds risks that turn, directly or indirectly, on engagement: meeting
the needs of the people it serves through effective local engagement, and
crime prevention that protects victims and sustains confidence. Frontline
policing also manages controls against a long-term risk that joint efforts with
partners and communities fail to reduce violent crime for good.

### Governance

The MOPAC and Met Public Engagement Working Group, chaired jointly by MOPAC's
Director of Strategy and a Met Commander, oversees the main deliverables.
MOPAC's Oversight Board, chaired by the Deputy Mayor, gives strategic
direction. Within the Met, the Performance Group, the Risk and Assurance Board
and the violence Gold Group each hold part of the response.

Community engagement was the theme of the Oversight Board in June, where the
Met set out its plans for mobilising partners and the public. The discussion
turned to the Public Attitude Survey and the user satisfaction survey as the
evidence base for understanding confidence; further analysis of what drives
confidence is under way.

Appendix A lists the aligned risks with a significant engagement element and
the controls and actions each organisation has in place against them.

### MOPAC approach

MOPAC combines broad engagement, through Safer Neighbourhood Boards in every
borough, with targeted monitoring of particular police powers: community
monitoring of stop and search and the Independent Custody Visiting Scheme.
Together these hold local commanders to account, reach groups that are often
under-represented, and give reassurance where confidence is most fragile.

### Met approach

The Met's Community Policing Strategy sets out how neighbourhood officers will
inform, involve and work with local people: a clear pledge to the public, ward
panels that reflect their communities, more contact sessions and new online
channels, and an engagement maturity matrix and dashboard to show what
difference the activity makes to crime, trust and confidence.

The Panel is invited to comment on the aligned risks at Appendix A.
"""

FINANCE = """\
The Met will give the update at the meeting, drawing on the Spending Round of
4 September and anything known since about its share of the additional
officers being recruited nationally.

The key finance risks for the Met are balancing the budget over the medium
term, spending additional money well, and securing enough funding to support
the additional officers it expects to receive.
"""

EQUALITY = """\
This paper has no direct equality and diversity impact. The work it describes
aims to reach people who would not usually engage with the police, including
communities where trust is lowest, and is expected to improve confidence among
them. Actions to control these risks go through each organisation's usual
equality impact assessment.
"""

FINANCIAL = """\
Risk management in both organisations supports the management of their budgets
and helps them respond to financial pressure. Any spending beyond existing
budgets goes through the usual MOPAC and Met approval and planning processes.
"""

LEGAL = """\
There are no direct legal implications. MOPAC's duty to obtain the views of
the public on policing is described in section 2.
"""

RISK = """\
Reporting on aligned risks helps MOPAC and the Met track the risks to the
Police and Crime Plan, and in particular whether controls work as intended.
Without effective engagement the organisations would face:

- less community help in solving crime, and weaker community intelligence;
- a greater chance of repeating past mistakes;
- loss of legitimacy;
- lower public trust and confidence.
"""

CONTACT = """\
Report authors:

- Head of Governance and Risk, MOPAC:
  [governance@mopac.example.invalid](mailto:governance@mopac.example.invalid)
- Head of Risk and Assurance, MPS:
  [risk-assurance@mps.example.invalid](mailto:risk-assurance@mps.example.invalid)
- Commander, Frontline Policing, MPS:
  [frontline-policing@mps.example.invalid](mailto:frontline-policing@mps.example.invalid)
"""

APPENDICES = """\
- Appendix A: aligned risks with a significant community engagement response,
  with their controls and open actions (generated from the registers).
- Appendix B: Met Oversight Board paper on community engagement
  (OFFICIAL-SENSITIVE, not published with this paper).
"""

SECTIONS = (
    {"kind": SectionKind.SUMMARY, "body": SUMMARY},
    {"kind": SectionKind.KEY_CONSIDERATIONS, "body": KEY_CONSIDERATIONS},
    {"kind": SectionKind.INTERDEPENDENCIES, "body": INTERDEPENDENCIES},
    {"kind": SectionKind.RECOMMENDATIONS, "body": RECOMMENDATIONS},
    {"kind": SectionKind.BODY, "heading": "Alignment of risk", "body": ALIGNMENT},
    {
        "kind": SectionKind.BODY,
        "heading": "Community Engagement",
        "body": COMMUNITY_ENGAGEMENT,
    },
    {
        "kind": SectionKind.BODY,
        "heading": "Aligned Finance risk",
        "body": FINANCE,
        "oral_update": True,
        "is_sensitive": True,
    },
    {"kind": SectionKind.EQUALITY, "body": EQUALITY},
    {"kind": SectionKind.FINANCIAL, "body": FINANCIAL},
    {"kind": SectionKind.LEGAL, "body": LEGAL},
    {"kind": SectionKind.RISK, "body": RISK},
    {"kind": SectionKind.CONTACT, "body": CONTACT},
    {"kind": SectionKind.APPENDICES, "body": APPENDICES},
)


def _period() -> tuple[str, date]:
    """Return the quarter the paper reports on: 2019/20 Q1, else the last closed."""
    periods = ReportingPeriod.objects.order_by("-end", "organisation__short_name")
    period = (
        periods.filter(label=PREFERRED_PERIOD).first()
        or periods.filter(is_closed=True, end__lt=MEETING_DATE).first()
    )
    if period is not None:
        return period.label, period.end
    return PREFERRED_PERIOD, date(2019, 6, 30)


def add_sections(paper: PanelPaper, *, user, at: datetime) -> None:
    """Write the demo paper's sections into a paper, a minute apart after `at`."""
    for index, spec in enumerate(SECTIONS, start=1):
        services.section_create(
            paper=paper,
            user=user,
            data={"order": index * 10, **spec},
            at=at + timedelta(minutes=index),
        )


def load_demo_paper(*, user, at: datetime) -> PanelPaper:
    """Create the demo paper through the paper services (once; idempotent).

    `user` must be a governance officer; every history row is dated from `at`.
    """
    existing = PanelPaper.objects.filter(title=TITLE, meeting_date=MEETING_DATE).first()
    if existing is not None:
        return existing
    label, end = _period()
    paper = services.paper_create(
        user=user,
        data={**PAPER, "period_label": label, "period_end": end},
        themes=Theme.objects.filter(name__in=THEMES),
        reason="Demo paper drafted",
        at=at,
    )
    # On the September agenda before its sections are written, so that the
    # paper's last change stays its last section.
    load_demo_meetings(paper, label=label, user=user, at=at + timedelta(seconds=30))
    add_sections(paper, user=user, at=at)
    paper.refresh_from_db()
    answer_finance_request(paper, user=user, at=at + timedelta(minutes=30))
    return paper


def _meeting(panel: Panel, day: date, *, user, at: datetime) -> Meeting:
    meeting = Meeting.objects.filter(panel=panel, date=day).first()
    if meeting is None:
        meeting = meeting_services.meeting_create(
            panel=panel,
            data={"date": day, "marking": Marking.OFFICIAL},
            user=user,
            reason="Meeting scheduled",
            at=at,
        )
    return meeting


def load_demo_meetings(paper: PanelPaper, *, label: str, user, at: datetime) -> None:
    """The June and September 2019 meetings, the agenda and the finance request.

    The meetings were scheduled in June, when the Panel asked for the finance
    report; the paper (5b) and both registers (8a, 8b) go on the September
    agenda when the paper is drafted (`at`).
    """
    panel = Panel.objects.get(name=paper.meeting)
    scheduled = datetime.combine(JUNE_MEETING, datetime.min.time(), at.tzinfo)
    scheduled += timedelta(days=-14, hours=10)
    june = _meeting(panel, JUNE_MEETING, user=user, at=scheduled)
    september = _meeting(panel, MEETING_DATE, user=user, at=scheduled)
    if not PanelRequest.objects.filter(raised_at=june, text=FINANCE_REQUEST).exists():
        organisation, post = FINANCE_OWNER
        meeting_services.panel_request_create(
            raised_at=june,
            data={
                "text": FINANCE_REQUEST,
                "owner_organisation": Organisation.objects.get(slug=organisation),
                "owner_post": post,
                "due_at": september,
            },
            user=user,
            today=JUNE_MEETING,
            at=scheduled + timedelta(days=15),
        )
    if september.items.exists():
        return
    items = [{"number": PAPER["agenda_item"], "kind": AgendaItemKind.PAPER}]
    for number, slug in REGISTER_ITEMS:
        period = ReportingPeriod.objects.filter(
            organisation__slug=slug, label=label
        ).first()
        if period is not None:
            items.append(
                {"number": number, "kind": AgendaItemKind.REGISTER, "period": period}
            )
    for order, item in enumerate(items, start=1):
        meeting_services.agenda_item_create(
            meeting=september,
            data={"order": order * 10, "paper": paper, **item},
            user=user,
            at=at + timedelta(seconds=order),
        )


def answer_finance_request(paper: PanelPaper, *, user, at: datetime) -> None:
    """Record that 5b's oral update answers the June request (once)."""
    request = PanelRequest.objects.filter(
        text=FINANCE_REQUEST, due_at=paper.panel_meeting_id
    ).first()
    if request is None or request.answered_by_id is not None:
        return
    meeting_services.panel_request_update(
        request=request,
        data={
            "status": "answered",
            "answered_by": paper,
            "answered_in": FINANCE_ANSWERED_IN,
        },
        expected_version=request.version,
        user=user,
        reason="Answered by the paper's oral update",
        at=at,
    )


# One question from the panel member on the demo paper, answered by Met governance.
QUESTION_SECTION = "Aligned Finance risk"
QUESTION = (
    "The paper says the aligned finance risk will be covered by an oral update. "
    "Will the update say how the two organisations' mitigations for the savings "
    "gap are coordinated, and who reports on them to the Panel?"
)
ANSWER = (
    "Yes. The oral update will set out the joint savings programme board, which "
    "both organisations' finance directors attend, and the single set of "
    "mitigating actions it monitors. The MOPAC Chief Finance Officer reports on "
    "them to the Panel each quarter."
)


def load_demo_question(paper: PanelPaper, *, asker, answerer, at: datetime) -> Question:
    """Record the panel member's question on the paper and its answer (once).

    The demo paper stays a draft (the paper as circulated to the Panel), so the
    question is written as history directly, not through question_ask, which
    takes questions on published versions only. It is dated `at`; the answer,
    published to the panel, three days later. Nothing is e-mailed.
    """
    existing = Question.objects.filter(paper=paper, asked_by=asker).first()
    if existing is not None:
        return existing
    section = paper.sections.filter(heading=QUESTION_SECTION).first()
    question = Question(
        paper=paper,
        section=section,
        section_title=section.title if section else "",
        text=QUESTION,
        asked_by=asker,
        asked_at=at,
    )
    record(question, user=asker, reason="Question asked", at=at)
    answered_at = at + timedelta(days=3)
    question.answer = ANSWER
    question.answered_by = answerer
    question.answered_at = answered_at
    question.answer_published = True
    record(
        question,
        user=answerer,
        reason="Answer published to the panel",
        at=answered_at,
    )
    return question
