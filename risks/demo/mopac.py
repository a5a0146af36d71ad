"""MOPAC's corporate register as it stood in September 2019 (demo data).

Titles are those MOPAC reported to the Joint Audit Panel on 18 September 2019;
the statements, controls and actions paraphrase that paper.
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
    Proximity,
    Treatment,
)
from .specs import ActionSpec, Change, ControlSpec, ReviewSpec, RiskSpec, london

Q4, Q1, Q2 = "2018/19 Q4", "2019/20 Q1", "2019/20 Q2"

STRATEGY = "Director of Strategy"
COMMISSIONING = "Director of Commissioning and Partnerships"
ENGAGEMENT = "Head of Public Engagement"
VRU = "Director of the Violence Reduction Unit"
FINANCE = "Chief Finance Officer"

VICTIMS = RiskSpec(
    organisation="mopac",
    reference="MOPAC-R01",
    title="Victims - failure to ensure victims needs are at the heart of everything "
    "we do in policing and criminal justice",
    cause="Because a victim's journey runs through many agencies that share "
    "information unevenly and commission services on different cycles,",
    event="there is a risk that MOPAC does not keep victims' needs central to the "
    "services it commissions and to its oversight of the police and justice "
    "partners,",
    effect="which would mean poorer support for victims, falling satisfaction and "
    "less confidence in policing and criminal justice in London.",
    category=Category.STRATEGY,
    themes=("Victims", "Community engagement"),
    owner_post=COMMISSIONING,
    owner=None,
    created_at=london(2019, 1, 14, 10, 0),
    inherent=(4, 4),
    current=(3, 4),
    target=(2, 3),
    target_date=date(2021, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.FROM_6_TO_12_MONTHS,
    controls=(
        ControlSpec(
            "The Victims' Board, chaired by the Victims' Commissioner, looks at "
            "commissioning and police performance from the victim's point of view.",
            ControlType.DIRECTIVE,
            "Victims' Commissioner for London",
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "A standing stakeholder structure lets victims' representatives and "
            "support services shape work on hate crime, violence against women and "
            "girls, reoffending and keeping young people safe.",
            ControlType.PREVENTIVE,
            STRATEGY,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Every new victims' service has an engagement plan before it goes to "
            "procurement, so that users' experience shapes the specification.",
            ControlType.PREVENTIVE,
            COMMISSIONING,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
            changes=(
                Change(
                    london(2019, 9, 10, 9, 30),
                    {"effectiveness": Effectiveness.EFFECTIVE},
                    "Engagement plans now used for every new service",
                ),
            ),
        ),
        ControlSpec(
            "The Evidence and Insight team analyses the user satisfaction survey "
            "each quarter and reports the results to the Oversight Board.",
            ControlType.DETECTIVE,
            "Head of Evidence and Insight",
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
    ),
    actions=(
        ActionSpec(
            "Hold a public and stakeholder event on hate crime services: what has "
            "worked and where the gaps are.",
            COMMISSIONING,
            date(2019, 5, 31),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 5, 24, 16, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Event held; findings passed to the hate crime service review",
                ),
            ),
        ),
        ActionSpec(
            "Run an event with young victims of hate crime on their experience and "
            "needs, to inform the new service specification.",
            COMMISSIONING,
            date(2019, 10, 31),
            ActionStatus.ON_TRACK,
            added=london(2019, 6, 20, 14, 30),
        ),
        ActionSpec(
            "Recommission the victim and witness service with victims' feedback "
            "written into the specification.",
            COMMISSIONING,
            date(2020, 3, 31),
            ActionStatus.NOT_STARTED,
            changes=(
                Change(
                    london(2019, 9, 10, 9, 45),
                    {"status": ActionStatus.ON_TRACK},
                    "Market engagement started",
                ),
            ),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 4),
            london(2019, 3, 21, 11, 0),
            "New risk. The Victims' Board is in place, but how far victims shape "
            "commissioning still depends on individual projects.",
        ),
        ReviewSpec(
            Q1,
            (3, 4),
            london(2019, 6, 20, 14, 0),
            "Stable. The May hate crime event fed into the service review; "
            "satisfaction has not moved yet.",
        ),
        ReviewSpec(
            Q2,
            (3, 3),
            london(2019, 9, 10, 10, 0),
            "Decreasing. Engagement plans are now routine for new services and the "
            "October event with young victims is arranged; impact lowered.",
        ),
    ),
)

EQUALITIES = RiskSpec(
    organisation="mopac",
    reference="MOPAC-R02",
    title="Equalities - failure to fulfil on MOPAC's duties to promote diversity, "
    "either as an employer, an oversight body or in our public engagement",
    cause="Because tactics such as stop and search fall unevenly on London's "
    "communities, and the people most affected are often the least heard,",
    event="there is a risk that MOPAC does not meet its equality duties as an "
    "employer, in overseeing the MPS or in how it engages the public,",
    effect="which would erode trust among under-represented communities, invite "
    "legal challenge and weaken the legitimacy of MOPAC's oversight.",
    category=Category.LEGAL,
    themes=("Equalities", "Community engagement"),
    owner_post=STRATEGY,
    owner="mopac-owner",
    created_at=london(2019, 1, 14, 10, 30),
    inherent=(4, 4),
    current=(3, 3),
    target=(2, 3),
    target_date=date(2020, 9, 30),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.MINIMAL,
    proximity=Proximity.FROM_3_TO_6_MONTHS,
    controls=(
        ControlSpec(
            "MOPAC runs the Community Monitoring Network: a quarterly forum where "
            "borough stop and search monitoring groups share practice, challenge "
            "the MPS and escalate what they cannot resolve locally.",
            ControlType.DETECTIVE,
            STRATEGY,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Consultation and engagement plans are checked for equality of access "
            "and actively seek groups that are usually under-represented or most "
            "affected by crime and policing.",
            ControlType.PREVENTIVE,
            ENGAGEMENT,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Equality impact assessments accompany MOPAC decisions and are "
            "sampled by the Governance and Risk Working Group.",
            ControlType.DIRECTIVE,
            "Head of Governance and Risk",
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Workforce diversity figures are reported twice a year to MOPAC's "
            "senior leadership team.",
            ControlType.DETECTIVE,
            "Head of Human Resources",
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
    ),
    actions=(
        ActionSpec(
            "Widen the membership of Community Monitoring Groups and make them "
            "better known, so that those most affected by stop and search are "
            "heard.",
            STRATEGY,
            date(2019, 12, 31),
            ActionStatus.ON_TRACK,
        ),
        ActionSpec(
            "Run face-to-face sessions with under-represented communities alongside "
            "a Talk London survey on policing priorities.",
            ENGAGEMENT,
            date(2019, 7, 31),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 7, 26, 15, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Sessions held with older, younger, disabled and BAME Londoners",
                ),
            ),
        ),
        ActionSpec(
            "Agree a partnership action plan on disproportionality in youth "
            "justice, following the youth justice engagement event.",
            STRATEGY,
            date(2019, 8, 31),
            ActionStatus.ON_TRACK,
            added=london(2019, 6, 21, 10, 30),
            changes=(
                Change(
                    london(2019, 9, 11, 10, 30),
                    {"status": ActionStatus.AT_RISK},
                    "Partners have not yet agreed owners for the plan's actions",
                ),
            ),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 3),
            london(2019, 3, 22, 10, 0),
            "New risk. Community monitoring covers most boroughs, but the groups' "
            "membership does not yet reflect those most often stopped.",
        ),
        ReviewSpec(
            Q1,
            (3, 4),
            london(2019, 6, 21, 10, 0),
            "Increasing. Black Londoners remain about four times as likely as white "
            "Londoners to be stopped; scrutiny and community concern have risen.",
        ),
        ReviewSpec(
            Q2,
            (3, 4),
            london(2019, 9, 11, 10, 0),
            "Stable. Targeted engagement sessions are complete; the youth justice "
            "disproportionality plan is late and has been escalated.",
        ),
    ),
)

VIOLENCE = RiskSpec(
    organisation="mopac",
    reference="MOPAC-R03",
    title="Violence - failure to mobilise effective partnership response to "
    "increase in violent crime which commands community confidence",
    cause="Because violent crime, knife crime among young people in particular, "
    "has risen and its causes lie across health, education, housing and policing,",
    event="there is a risk that partners do not mobilise a joined-up, long-term "
    "response that communities trust,",
    effect="which would mean more deaths and serious injuries, lower public "
    "confidence and pressure for enforcement alone.",
    category=Category.STRATEGY,
    themes=("Violence", "Community engagement"),
    owner_post=VRU,
    owner=None,
    created_at=london(2019, 1, 15, 10, 0),
    inherent=(5, 5),
    current=(4, 5),
    target=(3, 4),
    target_date=date(2021, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.MINIMAL,
    proximity=Proximity.UNDER_3_MONTHS,
    controls=(
        ControlSpec(
            "The Violence Reduction Unit leads a public health approach with "
            "partners; 30% of its steering group seats are held for community and "
            "civil society members.",
            ControlType.DIRECTIVE,
            VRU,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Public engagement events on violence at City Hall, with what was "
            "heard reported back to the VRU steering group.",
            ControlType.DETECTIVE,
            ENGAGEMENT,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "The Oversight Board tracks delivery of the London Knife Crime Strategy "
            "against agreed milestones.",
            ControlType.DETECTIVE,
            STRATEGY,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "A community reference group advises the VRU on how it plans and runs "
            "its engagement.",
            ControlType.PREVENTIVE,
            VRU,
            Effectiveness.NOT_ASSESSED,
            AssuranceLine.FIRST,
            added=london(2019, 5, 14, 11, 0),
            changes=(
                Change(
                    london(2019, 9, 12, 9, 30),
                    {"effectiveness": Effectiveness.PARTIALLY_EFFECTIVE},
                    "First assessment after two meetings",
                ),
            ),
        ),
    ),
    actions=(
        ActionSpec(
            "Form the VRU community reference group and agree its terms of reference.",
            VRU,
            date(2019, 5, 31),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 5, 14, 10, 30),
                    {"status": ActionStatus.COMPLETE},
                    "Group formed; terms of reference agreed",
                ),
            ),
        ),
        ActionSpec(
            "Set up a youth involvement group so that young people most affected by "
            "violence take part in the VRU's decisions.",
            VRU,
            date(2019, 12, 31),
            ActionStatus.NOT_STARTED,
            changes=(
                Change(
                    london(2019, 9, 12, 9, 45),
                    {"status": ActionStatus.ON_TRACK},
                    "Recruitment through youth organisations under way",
                ),
            ),
        ),
        ActionSpec(
            "Publish the VRU's first assessment of the drivers of violence in "
            "London, to target partnership work.",
            VRU,
            date(2020, 1, 31),
            ActionStatus.ON_TRACK,
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (4, 5),
            london(2019, 3, 25, 15, 0),
            "New risk. The VRU is being set up; partnership arrangements are still "
            "forming.",
        ),
        ReviewSpec(
            Q1,
            (4, 4),
            london(2019, 6, 24, 11, 0),
            "Decreasing. The community reference group has formed and civil society "
            "seats on the steering group are filled; partners now share one plan.",
        ),
        ReviewSpec(
            Q2,
            (4, 5),
            london(2019, 9, 12, 10, 0),
            "Increasing. Violence rose more than usual over the summer and "
            "community confidence in the response is under strain.",
        ),
    ),
)

VULNERABLE = RiskSpec(
    organisation="mopac",
    reference="MOPAC-R04",
    title="Protecting the vulnerable - failure to play our part to protect the most "
    "vulnerable members of the community and deliver an effective service to "
    "those most in need",
    cause="Because detainees, young people and others at risk rely on services "
    "they can find hard to question,",
    event="there is a risk that MOPAC's oversight and commissioning do not protect "
    "the most vulnerable or secure a good service for those most in need,",
    effect="which would cause avoidable harm, breach statutory duties and lose the "
    "confidence of the communities that rely on policing most.",
    category=Category.OPERATIONS,
    themes=("Community engagement", "Victims"),
    owner_post=STRATEGY,
    owner="mopac-owner",
    created_at=london(2019, 1, 15, 11, 0),
    inherent=(4, 5),
    current=(3, 4),
    target=(2, 4),
    target_date=date(2020, 12, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.FROM_6_TO_12_MONTHS,
    controls=(
        ControlSpec(
            "Independent custody visitors (about 220 volunteers) make unannounced "
            "visits to London's custody suites and report on detainees' treatment "
            "and welfare; the MPS must answer their findings.",
            ControlType.DETECTIVE,
            "Independent Custody Visiting Scheme Manager",
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Safer Neighbourhood Boards in each borough hold the Borough Commander "
            "to account for crime and confidence, and fund outreach to young "
            "people, older people and under-represented communities.",
            ControlType.PREVENTIVE,
            ENGAGEMENT,
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Pan-London stakeholder groups on hate crime and sexual violence bring "
            "concerns straight to MOPAC.",
            ControlType.DETECTIVE,
            STRATEGY,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
    ),
    actions=(
        ActionSpec(
            "Refresh Safer Neighbourhood Board guidance and funding criteria so that "
            "projects reach the groups most at risk.",
            ENGAGEMENT,
            date(2019, 6, 30),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 6, 27, 12, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Revised guidance issued to all boards",
                ),
            ),
        ),
        ActionSpec(
            "Agree improvements to detainee welfare with the MPS from this year's "
            "custody visiting findings.",
            "Independent Custody Visiting Scheme Manager",
            date(2019, 11, 30),
            ActionStatus.ON_TRACK,
        ),
        ActionSpec(
            "Recruit custody visitors to fill vacancies and make the scheme more "
            "representative of London.",
            "Independent Custody Visiting Scheme Manager",
            date(2020, 3, 31),
            ActionStatus.ON_TRACK,
            added=london(2019, 6, 20, 15, 30),
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 4),
            london(2019, 3, 21, 15, 0),
            "New risk. Custody visiting gives strong assurance; the reach of Safer "
            "Neighbourhood Board projects varies by borough.",
        ),
        ReviewSpec(
            Q1,
            (3, 4),
            london(2019, 6, 20, 15, 0),
            "Stable. Board guidance refreshed; custody visits found no systemic "
            "welfare concerns.",
        ),
        ReviewSpec(
            Q2,
            (2, 4),
            london(2019, 9, 10, 15, 0),
            "Decreasing. Projects funded under the new criteria now reach the "
            "groups most at risk; likelihood lowered.",
        ),
    ),
)

FINANCE_RISK = RiskSpec(
    organisation="mopac",
    reference="MOPAC-R05",
    title="Finance - failure to secure sustainable funding for policing in London "
    "and to direct MOPAC's budget to Police and Crime Plan priorities",
    cause="Because much policing money is confirmed a year at a time and the "
    "Medium-Term Financial Plan shows a large MPS savings gap from 2021/22,",
    event="there is a risk that MOPAC cannot set a balanced policing budget that "
    "still delivers the Police and Crime Plan,",
    effect="which would force unplanned cuts to services and commissioning and "
    "damage confidence in the Mayor's oversight of policing.",
    category=Category.FINANCIAL,
    themes=("Finance",),
    owner_post=FINANCE,
    owner=None,
    created_at=london(2019, 1, 16, 10, 0),
    inherent=(4, 5),
    current=(3, 4),
    target=(2, 4),
    target_date=date(2021, 3, 31),
    horizon=Horizon.LONG_TERM,
    treatment=Treatment.TREAT,
    appetite=Appetite.CAUTIOUS,
    proximity=Proximity.OVER_12_MONTHS,
    controls=(
        ControlSpec(
            "The Medium-Term Financial Plan is refreshed with each annual budget "
            "and monitored jointly with the MPS every quarter.",
            ControlType.DIRECTIVE,
            FINANCE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.SECOND,
        ),
        ControlSpec(
            "Monthly budget monitoring of MOPAC and MPS spending is reported to the "
            "Deputy Mayor for Policing and Crime.",
            ControlType.DETECTIVE,
            FINANCE,
            Effectiveness.EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "MOPAC and the MPS press government together on the Capital City grant "
            "and the rising cost of police pensions.",
            ControlType.CORRECTIVE,
            "Chief Executive",
            Effectiveness.PARTIALLY_EFFECTIVE,
            AssuranceLine.FIRST,
        ),
        ControlSpec(
            "Internal audit tests key financial controls each year.",
            ControlType.DETECTIVE,
            "Head of Internal Audit",
            Effectiveness.EFFECTIVE,
            AssuranceLine.THIRD,
        ),
    ),
    actions=(
        ActionSpec(
            "Submit London's case for long-term policing funding to the Spending "
            "Review.",
            FINANCE,
            date(2019, 8, 30),
            ActionStatus.ON_TRACK,
            changes=(
                Change(
                    london(2019, 8, 28, 17, 0),
                    {"status": ActionStatus.COMPLETE},
                    "Submission made with the MPS",
                ),
            ),
        ),
        ActionSpec(
            "Update the Medium-Term Financial Plan for the 2020/21 budget once "
            "London's share of the additional officers is known.",
            FINANCE,
            date(2019, 12, 20),
            ActionStatus.ON_TRACK,
        ),
    ),
    reviews=(
        ReviewSpec(
            Q4,
            (3, 4),
            london(2019, 3, 26, 10, 0),
            "New risk. The 2019/20 budget is balanced; the medium-term gap remains.",
        ),
        ReviewSpec(
            Q1,
            (4, 4),
            london(2019, 6, 25, 10, 0),
            "Increasing. Pension costs have risen and the Spending Review outcome "
            "is uncertain.",
        ),
        ReviewSpec(
            Q2,
            (3, 4),
            london(2019, 9, 13, 10, 0),
            "Decreasing. The Spending Round on 4 September promised more money for "
            "policing and officer growth; London's allocation is awaited.",
        ),
    ),
)

RISKS = (VICTIMS, EQUALITIES, VIOLENCE, VULNERABLE, FINANCE_RISK)
