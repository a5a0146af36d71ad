"""The words generated risks are made of: posts, boroughs, topics, commentaries."""

from dataclasses import dataclass

from risks.choices import Category

OWNER_POSTS = {
    "mopac": (
        "Director of Strategy",
        "Director of Commissioning and Partnerships",
        "Chief Finance Officer",
        "Head of Public Engagement",
        "Director of the Violence Reduction Unit",
        "Director of Audit, Risk and Assurance",
        "Head of Oversight",
        "Chief Digital Officer",
    ),
    "mps": (
        "Commander, Frontline Policing",
        "Director of Strategy and Governance",
        "Chief Finance Officer",
        "Director of People",
        "Chief Information Officer",
        "Commander, Specialist Crime",
        "Director of Property Services",
        "Commander, Met Operations",
    ),
}
BOROUGHS = (
    "Barking and Dagenham",
    "Brent",
    "Camden",
    "Croydon",
    "Ealing",
    "Hackney",
    "Haringey",
    "Lambeth",
    "Lewisham",
    "Newham",
    "Southwark",
    "Tower Hamlets",
    "Westminster",
    "pan-London",
)


@dataclass(frozen=True)
class Topic:
    """The words of one kind of risk, from which many register entries are made."""

    theme: str
    category: str
    title: str
    causes: tuple[str, str]
    event: str
    effect: str
    controls: tuple[str, ...]
    actions: tuple[str, ...]


def _topic(theme, category, title, causes, event, effect, controls, actions):
    return Topic(theme, category, title, causes, event, effect, controls, actions)


TOPICS = (
    _topic(
        "Community engagement",
        Category.STRATEGY,
        "Engagement fails to reach the communities with least trust",
        (
            "Because engagement activity is concentrated on groups already in "
            "contact with policing,",
            "Because ward panels and Safer Neighbourhood Boards reflect their "
            "communities unevenly,",
        ),
        "there is a risk that the views of communities with the least trust are not "
        "heard in {area},",
        "which would mean lower confidence, less community intelligence and "
        "decisions that do not reflect Londoners' needs.",
        (
            "A joint engagement working group meets monthly to align MOPAC and Met "
            "engagement plans.",
            "Safer Neighbourhood Boards in every borough hold local commanders to "
            "account.",
            "The Public Attitude Survey is analysed quarterly by ward and group.",
        ),
        (
            "Publish an engagement maturity dashboard for every borough.",
            "Recruit under-represented groups to ward panels.",
            "Review community monitoring of stop and search.",
        ),
    ),
    _topic(
        "Violence",
        Category.OPERATIONS,
        "Partnership response does not reduce serious violence",
        (
            "Because violence has complex causes that no single agency controls,",
            "Because funding for early intervention is short-term and fragmented,",
        ),
        "there is a risk that the partnership response fails to reduce knife crime "
        "and serious violence in {area},",
        "which would mean more victims, greater fear of crime and loss of public "
        "confidence.",
        (
            "The violence Gold Group directs the operational response weekly.",
            "The Violence Reduction Unit commissions early intervention with partners.",
            "Knife crime hotspots are reviewed in fortnightly tasking meetings.",
        ),
        (
            "Extend hospital-based youth work to two more major trauma centres.",
            "Agree a joint problem profile with the local authority.",
            "Evaluate the summer violence reduction plan.",
        ),
    ),
    _topic(
        "Victims",
        Category.STRATEGY,
        "Victims' needs are not at the heart of the justice system",
        (
            "Because a victim's journey runs through many agencies that share "
            "information unevenly,",
            "Because victim services are commissioned on different cycles,",
        ),
        "there is a risk that victims in {area} do not get the support they are "
        "entitled to under the Victims' Code,",
        "which would mean poorer outcomes for victims and falling satisfaction with "
        "policing and criminal justice.",
        (
            "The Victims' Board looks at commissioning from the victim's point of "
            "view.",
            "Victims' Code compliance is audited every quarter.",
            "Every new victims' service has an engagement plan before procurement.",
        ),
        (
            "Re-commission the pan-London victim support service.",
            "Introduce a single victim care record across agencies.",
            "Report Victims' Code compliance to the Oversight Board.",
        ),
    ),
    _topic(
        "Finance",
        Category.FINANCIAL,
        "Medium-term budget gap cannot be closed",
        (
            "Because settlements are announced late and for one year at a time,",
            "Because inflation and pay awards exceed the funding assumed in the plan,",
        ),
        "there is a risk that the medium-term financial plan cannot be balanced "
        "without unplanned reductions affecting {area},",
        "which would mean cuts to services at short notice and failure to deliver "
        "the Police and Crime Plan.",
        (
            "The medium-term financial plan is refreshed twice a year.",
            "Monthly budget monitoring goes to the Finance Board.",
            "Savings plans are tracked by a portfolio office.",
        ),
        (
            "Model three funding scenarios for the next spending review.",
            "Identify further efficiency savings in support functions.",
            "Agree reserves strategy with the Chief Finance Officers.",
        ),
    ),
    _topic(
        "Equalities",
        Category.PEOPLE,
        "Workforce does not reflect the city it serves",
        (
            "Because recruitment and progression have historically favoured some "
            "groups,",
            "Because attrition among under-represented staff is higher than average,",
        ),
        "there is a risk that the workforce serving {area} does not reflect "
        "London's diversity,",
        "which would mean weaker legitimacy, lower trust and missed talent.",
        (
            "Workforce diversity data is reported to the People Board quarterly.",
            "Positive action programmes support under-represented candidates.",
            "Exit interviews are analysed for every protected characteristic.",
        ),
        (
            "Launch a mentoring scheme for under-represented staff.",
            "Publish the annual equality, diversity and inclusion report.",
            "Review promotion processes for adverse impact.",
        ),
    ),
    _topic(
        "Crime prevention",
        Category.OPERATIONS,
        "Prevention activity is not targeted where harm is greatest",
        (
            "Because demand pressures draw officers away from neighbourhood work,",
            "Because data on repeat locations and victims is not shared routinely,",
        ),
        "there is a risk that crime prevention in {area} is not focused on the "
        "places and people at greatest risk,",
        "which would mean avoidable crime, repeat victimisation and rising demand.",
        (
            "Neighbourhood teams use a problem-solving model for repeat locations.",
            "Designing Out Crime officers review major planning applications.",
            "Repeat victims are flagged in the crime recording system.",
        ),
        (
            "Roll out a problem-solving tracker to every neighbourhood team.",
            "Share repeat-location data with local authorities monthly.",
            "Evaluate the burglary prevention pilot.",
        ),
    ),
    _topic(
        "Technology",
        Category.TECHNOLOGY,
        "Critical systems fail or cannot be supported",
        (
            "Because several core systems are past their supported life,",
            "Because the technology change portfolio depends on scarce skills,",
        ),
        "there is a risk that a critical system supporting {area} fails or is "
        "compromised,",
        "which would mean disruption to frontline services and loss of data.",
        (
            "Critical systems have tested disaster recovery plans.",
            "Vulnerability scanning runs weekly with monthly reports.",
            "Technology change is governed by a design authority.",
        ),
        (
            "Replace the legacy command and control system.",
            "Complete penetration testing of public-facing services.",
            "Agree a supplier exit plan for the data centre contract.",
        ),
    ),
    _topic(
        "Information",
        Category.INFORMATION,
        "Personal data is lost, misused or not shared lawfully",
        (
            "Because information is held in many systems with different controls,",
            "Because staff handle large volumes of sensitive personal data daily,",
        ),
        "there is a risk that personal data about people in {area} is lost, "
        "misused or shared without a lawful basis,",
        "which would mean harm to individuals, regulatory action and loss of trust.",
        (
            "Mandatory data protection training for all staff, renewed yearly.",
            "Data sharing agreements are reviewed by the Information Governance team.",
            "Access to sensitive systems is audited monthly.",
        ),
        (
            "Complete the information asset register.",
            "Introduce automated retention rules in the records system.",
            "Run a phishing awareness campaign.",
        ),
    ),
    _topic(
        "Public confidence",
        Category.REPUTATIONAL,
        "Public trust and confidence in policing declines",
        (
            "Because high-profile incidents of misconduct damage trust,",
            "Because response times and visibility have fallen in some areas,",
        ),
        "there is a risk that trust and confidence in policing in {area} declines "
        "further,",
        "which would mean fewer people reporting crime or coming forward as witnesses.",
        (
            "Confidence measures are reported monthly to the Oversight Board.",
            "Professional standards cases are reviewed by an independent panel.",
            "Local commanders publish quarterly updates to their communities.",
        ),
        (
            "Deliver the new neighbourhood policing pledge.",
            "Publish misconduct outcomes within agreed timescales.",
            "Commission independent research on drivers of confidence.",
        ),
    ),
    _topic(
        "Workforce",
        Category.PEOPLE,
        "Recruitment and retention cannot sustain workforce numbers",
        (
            "Because the labour market for skilled staff is highly competitive,",
            "Because workload and wellbeing pressures are increasing attrition,",
        ),
        "there is a risk that the organisation cannot recruit and keep the people "
        "it needs for {area},",
        "which would mean gaps in service, higher overtime costs and low morale.",
        (
            "Workforce plans are reviewed quarterly against establishment.",
            "Wellbeing support is available to all staff and monitored.",
            "Recruitment pipelines are tracked weekly.",
        ),
        (
            "Launch a retention survey and act on its findings.",
            "Expand flexible working options.",
            "Refresh the recruitment marketing campaign.",
        ),
    ),
    _topic(
        "Estates",
        Category.PROPERTY,
        "Estate is not fit for purpose or affordable",
        (
            "Because much of the estate is old and costly to maintain,",
            "Because the estates strategy depends on disposals in a weak market,",
        ),
        "there is a risk that buildings used in {area} become unsafe, unsuitable "
        "or unaffordable,",
        "which would mean disruption to services and unplanned capital costs.",
        (
            "Condition surveys cover every operational building on a rolling cycle.",
            "The estates board approves all disposals and acquisitions.",
            "Statutory compliance checks are tracked centrally.",
        ),
        (
            "Complete fire safety remediation at priority sites.",
            "Refresh the estates strategy.",
            "Agree a maintenance backlog reduction plan.",
        ),
    ),
    _topic(
        "Partnerships",
        Category.GOVERNANCE,
        "Partnership governance does not deliver shared outcomes",
        (
            "Because partners have different priorities, budgets and reporting lines,",
            "Because joint boards lack clear ownership of shared actions,",
        ),
        "there is a risk that partnership arrangements in {area} do not deliver "
        "the outcomes agreed,",
        "which would mean duplicated effort, gaps in provision and wasted money.",
        (
            "Partnership boards have agreed terms of reference and action logs.",
            "Shared outcomes are reported to the Oversight Board quarterly.",
            "Memoranda of understanding set out each partner's responsibilities.",
        ),
        (
            "Review the terms of reference of every partnership board.",
            "Agree a shared outcomes framework with London Councils.",
            "Audit delivery of joint actions.",
        ),
    ),
)
THEME_NAMES = tuple(dict.fromkeys(topic.theme for topic in TOPICS))
CLOSE_REASONS = (
    "Risk closed: target score reached and controls embedded.",
    "Risk closed: merged into a broader corporate risk.",
    "Risk closed: the programme it related to has ended.",
)
COMMENTARIES = {
    "up": "Score raised: {detail} has increased exposure this quarter.",
    "down": "Score lowered: {detail} has reduced exposure this quarter.",
    "same": "No change this quarter: controls are operating as expected.",
}
COMMENTARY_DETAILS = (
    "demand over the summer",
    "the latest funding announcement",
    "progress on the mitigating actions",
    "the findings of an internal audit",
    "a change in partner capacity",
    "new performance data",
)
# A version's change besides the score: (field, reason).
TWEAKS = (
    ("owner_post", "Owner post title updated"),
    ("proximity", "Proximity reassessed"),
    ("treatment", "Treatment reviewed"),
    ("target_date", "Target date revised"),
    ("cause", "Risk statement refined"),
    ("horizon", "Horizon reassessed"),
    ("target", "Target score revised"),
    ("appetite", "Appetite reviewed at the risk committee"),
)
