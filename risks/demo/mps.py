"""The MPS corporate register as it stood in September 2019 (demo data).

Titles are those the MPS reported to the Joint Audit Panel on 18 September 2019
(the finance risk is paraphrased); statements, controls and actions paraphrase
that paper.
"""

from datetime import date

from ..choices import (
    ActionStatus,
    Appetite,
    AssuranceLine,
    Category,
    ControlType,
    Effectiveness,
    Horizon,
    Marking,
    Proximity,
    Treatment,
)
from .specs import (
    ActionSpec,
    Change,
    ControlSpec,
    Reassignment,
    ReviewSpec,
    RiskSpec,
    london,
)

Q4, Q1, Q2 = "2018/19 Q4", "2019/20 Q1", "2019/20 Q2"

FRONTLINE = "Commander, Frontline Policing"
AC_FRONTLINE = "Assistant Commissioner, Frontline Policing"
PREVENTION = "Head of Crime Prevention"
ENGAGEMENT = "Head of Central Engagement"
STRATEGY = "Director of Strategy and Governance"
FINANCE = "Director of Finance"

ENGAGEMENT_RISK = RiskSpec(
    organisation="mps",
    reference="MPS-R01",
    title="Failure to identify and address the needs of the people we serve "
    "through effective local engagement",
    cause="Because local engagement has leaned on ward panels that reach a narrow "
    "audience, and its effect on confidence is not measured,",
    event="there is a risk that the MPS does not understand or act on what matters "
    "to London's communities, above all those with least trust in the police,",
    effect="which would reduce community intelligence, lower trust and confidence "
    "and weaken policing by consent.",
    category=Category.REPUTATIONAL,
    themes=("Community engagement",),
    owner_post=FRONTLINE,
    owner="met-owner",
    created_at=london(2019, 1, 17, 10, 0),
    inherent=(4, 4),
    current=(3, 4),
    target=(2, 3),
    target_date=date(2020, 3, 31),
    horizon=Horizon.SHORT_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.FROM_3_TO_6_MONTHS,
    controls=(
        ControlSpec(
            "Ward panels agree local priorities with residents; virtual ward panels "
            "and neighbourhood messaging platforms widen the audience beyond those "
            "who attend meetings.",
            ControlType.PREVENTIVE,
            FRONTLINE,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "The Community Policing Strategy and a new Policing Pledge set out what "
            "the public can expect of dedicated ward officers, including regular "
            "contact sessions at fixed times and places.",
            ControlType.DIRECTIVE,
            FRONTLINE,
            Effectiveness.NOT_ASSESSED,
            AssuranceLine.FIRST,
            added=london(2019, 6, 26, 9, 30),
            changes=(
                Change(
                    london(2019, 9, 9, 9, 30),
                    {"effectiveness": Effectiveness.EFFECTIVE},
                    "Pledge launched; contact sessions running on every BCU",
                ),
            ),
        ),
        ControlSpec(
            "The public attitude and user satisfaction surveys are analysed each "
            "quarter to find what drives confidence in each area.",
            ControlType.DETECTIVE,
            "Head of Strategic Insight",
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "The joint MOPAC/MPS Public Engagement Working Group oversees the main "
            "engagement deliverables of both organisations.",
            ControlType.DIRECTIVE,
            STRATEGY,
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
    ),
    actions=(
        ActionSpec(
            "Prepare the business case for a digital engagement platform for "
            "social listening across the MPS.",
            ENGAGEMENT,
            date(2019, 7, 31),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 7, 30, 16, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Business case submitted after testing a candidate system",
                ),
            ),
        ),
        ActionSpec(
            "Develop an engagement maturity matrix to assess engagement practice "
            "on every Basic Command Unit.",
            FRONTLINE,
            date(2019, 10, 31),
            ActionStatus.ON_TRACK,
        ),
        ActionSpec(
            "Build an engagement dashboard showing the effect of engagement on "
            "crime, confidence and trust.",
            "Head of Strategic Insight",
            date(2020, 3, 31),
            ActionStatus.NOT_STARTED,
            changes=(
                Change(
                    london(2019, 9, 9, 9, 45),
                    {"status": ActionStatus.ON_TRACK},
                    "Development started with the data team",
                ),
            ),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 4),
            london(2019, 3, 27, 10, 0),
            "New risk. Ward panels meet everywhere but seldom reflect the "
            "communities they serve.",
        ),
        ReviewSpec(
            Q1,
            (3, 4),
            london(2019, 6, 26, 10, 0),
            "Stable. Virtual ward panels piloted on several BCUs, with early signs "
            "of a wider audience.",
        ),
        ReviewSpec(
            Q2,
            (3, 3),
            london(2019, 9, 9, 10, 0),
            "Decreasing. Policing Pledge launched and contact sessions running "
            "across BCUs; impact lowered.",
        ),
    ),
)

PREVENTION_RISK = RiskSpec(
    organisation="mps",
    reference="MPS-R02",
    title="Insufficient and ineffective crime prevention fails to prevent "
    "victimisation and undermines community confidence in policing",
    cause="Because demand draws officers towards response and investigation, and "
    "prevention is spread across many partners without a shared plan,",
    event="there is a risk that crime prevention is too thin or poorly targeted "
    "to stop people becoming victims,",
    effect="which would lead to avoidable victimisation, more demand on the MPS "
    "and falling confidence in policing.",
    category=Category.OPERATIONS,
    themes=("Crime prevention", "Community engagement", "Victims"),
    owner_post=PREVENTION,
    owner=None,
    created_at=london(2019, 1, 17, 11, 0),
    inherent=(4, 4),
    current=(3, 3),
    target=(2, 3),
    target_date=date(2021, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.FROM_6_TO_12_MONTHS,
    reassignment=Reassignment(
        london(2019, 4, 8, 10, 0),
        "met-owner",
        FRONTLINE,
        "Crime prevention brought under Frontline Policing",
    ),
    controls=(
        ControlSpec(
            "Design Out Crime officers advise on new developments so that crime, "
            "fire and health risks are designed out before building starts.",
            ControlType.PREVENTIVE,
            PREVENTION,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Targeted prevention campaigns (video doorbells, a knife retailers' "
            "agreement, property marking, places of worship), with results reviewed "
            "at Performance Group.",
            ControlType.PREVENTIVE,
            PREVENTION,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Schoolwatch and Streetwatch enlist schools and residents to report "
            "and deter crime locally.",
            ControlType.PREVENTIVE,
            FRONTLINE,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "The Crime Prevention Mobilisation Centre brings police, fire, "
            "ambulance and transport partners together to give joint prevention "
            "advice and run shared projects across London.",
            ControlType.PREVENTIVE,
            PREVENTION,
            Effectiveness.NOT_ASSESSED,
            AssuranceLine.FIRST,
            added=london(2019, 6, 14, 11, 0),
            changes=(
                Change(
                    london(2019, 9, 9, 13, 30),
                    {"effectiveness": Effectiveness.PARTIALLY_EFFECTIVE},
                    "First joint projects running; impact not yet measured",
                ),
            ),
        ),
    ),
    actions=(
        ActionSpec(
            "Open the Crime Prevention Mobilisation Centre with partner agencies.",
            PREVENTION,
            date(2019, 6, 30),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 6, 14, 10, 30),
                    {"status": ActionStatus.COMPLETE},
                    "Centre opened",
                ),
            ),
        ),
        ActionSpec(
            "Increase the number of Design Out Crime officers.",
            PREVENTION,
            date(2019, 12, 31),
            ActionStatus.ON_TRACK,
        ),
        ActionSpec(
            "Extend Schoolwatch beyond the first 90 of 281 priority schools after "
            "the September relaunch.",
            FRONTLINE,
            date(2019, 10, 31),
            ActionStatus.ON_TRACK,
            added=london(2019, 6, 26, 14, 30),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 3),
            london(2019, 3, 27, 14, 0),
            "New risk. Prevention work exists but is not coordinated across partners.",
        ),
        ReviewSpec(
            Q1,
            (4, 3),
            london(2019, 6, 26, 14, 0),
            "Increasing. Burglary and robbery rose; the Mobilisation Centre has "
            "opened but will take time to show results.",
        ),
        ReviewSpec(
            Q2,
            (4, 3),
            london(2019, 9, 9, 14, 0),
            "Stable. Campaigns under way and Schoolwatch relaunched; no change in "
            "the level of risk yet.",
        ),
    ),
)

VIOLENCE_RISK = RiskSpec(
    organisation="mps",
    reference="MPS-R03",
    title="Our efforts with partners and communities fails to sustainably reduce "
    "violent crime",
    cause="Because serious violence has causes that policing alone cannot tackle, "
    "and the communities most affected often trust the police least,",
    event="there is a risk that the MPS, its partners and communities do not "
    "achieve a lasting fall in violent crime,",
    effect="which would mean further deaths and serious injuries, more fear of "
    "crime and less confidence in the MPS.",
    category=Category.OPERATIONS,
    themes=("Violence", "Community engagement"),
    owner_post=AC_FRONTLINE,
    owner=None,
    created_at=london(2019, 1, 18, 10, 0),
    inherent=(5, 5),
    current=(5, 4),
    target=(3, 4),
    target_date=date(2021, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.MINIMAL,
    proximity=Proximity.UNDER_3_MONTHS,
    controls=(
        ControlSpec(
            "The Violent Crime Taskforce works with Basic Command Units on "
            "enforcement and diversion, with community engagement built into its "
            "operations.",
            ControlType.CORRECTIVE,
            AC_FRONTLINE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Independent Advisory Groups representing London's communities act as "
            "critical friends on the violence response.",
            ControlType.DETECTIVE,
            ENGAGEMENT,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.EXTERNAL,
            changes=(
                Change(
                    london(2019, 9, 10, 9, 30),
                    {"effectiveness": Effectiveness.EFFECTIVE},
                    "Disability IAG established; Race and LGBT IAG engagement "
                    "stepped up",
                ),
            ),
        ),
        ControlSpec(
            "Diamond and Gold groups for violence coordinate the pan-London "
            "response and keep messaging consistent across BCUs.",
            ControlType.DIRECTIVE,
            AC_FRONTLINE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Joint work with the Violence Reduction Unit on diversion and early "
            "intervention for young people.",
            ControlType.PREVENTIVE,
            FRONTLINE,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
    ),
    actions=(
        ActionSpec(
            "Appoint an LGBT community liaison officer on every Basic Command Unit.",
            ENGAGEMENT,
            date(2019, 8, 31),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 8, 20, 12, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Twelve liaison officers appointed",
                ),
            ),
        ),
        ActionSpec(
            "Invest in diversion programmes and help BCUs deliver early intervention.",
            FRONTLINE,
            date(2020, 3, 31),
            ActionStatus.ON_TRACK,
        ),
        ActionSpec(
            "Build a volunteer infrastructure to mobilise more Londoners over the "
            "long term, subject to Spending Review funding.",
            ENGAGEMENT,
            date(2020, 6, 30),
            ActionStatus.NOT_STARTED,
            added=london(2019, 6, 27, 10, 30),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (5, 4),
            london(2019, 3, 28, 10, 0),
            "New risk. Knife crime remains high; Taskforce and BCU operations "
            "concentrate on hotspots.",
        ),
        ReviewSpec(
            Q1,
            (4, 4),
            london(2019, 6, 27, 10, 0),
            "Decreasing. Violence with injury fell in the spring and advisory group "
            "engagement has grown.",
        ),
        ReviewSpec(
            Q2,
            (5, 4),
            london(2019, 9, 10, 10, 0),
            "Increasing. Knife offences rose over the summer; controls strengthened "
            "with a Disability IAG and LGBT liaison officers on every BCU.",
        ),
    ),
)

FINANCE_RISK = RiskSpec(
    organisation="mps",
    reference="MPS-R04",
    title="The MPS cannot balance its budget over the medium term while paying "
    "for more officers",
    cause="Because funding often comes one year at a time, the Capital City grant "
    "falls short of the real cost of policing London and pension costs have "
    "risen,",
    event="there is a risk that the MPS cannot close the savings gap of about "
    "£167m forecast for 2021/22, nor secure full funding for its share of the "
    "national officer uplift,",
    effect="which would force cuts to officer and staff numbers or services and "
    "delay investment needed to meet rising demand.",
    category=Category.FINANCIAL,
    themes=("Finance",),
    owner_post=FINANCE,
    owner=None,
    created_at=london(2019, 1, 18, 11, 0),
    inherent=(5, 5),
    current=(4, 4),
    target=(3, 4),
    target_date=date(2022, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.OVER_12_MONTHS,
    marking=Marking.OFFICIAL_SENSITIVE,
    public_summary="The MPS expects a gap between its costs and its funding over "
    "the next few years. It is working with MOPAC on the Medium-Term Financial "
    "Plan and on funding for London's share of the extra officers announced "
    "nationally. The detail of savings options is not published.",
    controls=(
        ControlSpec(
            "The Medium-Term Financial Plan is agreed with MOPAC and refreshed in "
            "every budget round.",
            ControlType.DIRECTIVE,
            FINANCE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Savings and efficiency plans are tracked every month by the "
            "portfolio board, with slippage escalated to the Management Board.",
            ControlType.DETECTIVE,
            FINANCE,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Business cases for new spending are challenged by MOPAC before "
            "approval, so that additional money is spent wisely.",
            ControlType.PREVENTIVE,
            FINANCE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "The MPS and MOPAC make the case to the Home Office on the Capital City "
            "grant and pension costs.",
            ControlType.CORRECTIVE,
            FINANCE,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
    ),
    actions=(
        ActionSpec(
            "Submit the MPS's evidence to the Spending Review, including the bid "
            "for a volunteering infrastructure.",
            FINANCE,
            date(2019, 8, 30),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 8, 29, 16, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Evidence submitted",
                ),
            ),
        ),
        ActionSpec(
            "Cost the MPS's share of the 20,000 additional officers and update the "
            "Medium-Term Financial Plan.",
            FINANCE,
            date(2019, 11, 29),
            ActionStatus.ON_TRACK,
            added=london(2019, 9, 11, 13, 30),
        ),
        ActionSpec(
            "Identify further savings options to close the 2021/22 gap.",
            FINANCE,
            date(2019, 12, 20),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 9, 11, 13, 45),
                    {"revised_due_date": date(2020, 1, 31)},
                    "Deferred until London's officer allocation is known",
                ),
            ),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (4, 4),
            london(2019, 3, 28, 14, 0),
            "New risk. The 2019/20 budget is set; the Medium-Term Financial Plan "
            "shows a savings gap in 2021/22.",
        ),
        ReviewSpec(
            Q1,
            (4, 5),
            london(2019, 6, 27, 14, 0),
            "Increasing. Pension costs are confirmed above plan and one-year "
            "settlements leave the medium term uncertain.",
        ),
        ReviewSpec(
            Q2,
            (4, 4),
            london(2019, 9, 11, 14, 0),
            "Decreasing. The Spending Round promises more money for policing and "
            "officer growth; the MPS allocation is awaited.",
        ),
    ),
)

RISKS = (ENGAGEMENT_RISK, PREVENTION_RISK, VIOLENCE_RISK, FINANCE_RISK)
