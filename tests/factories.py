"""factory_boy factories for the register's models."""

import datetime

import factory
from django.contrib.auth import get_user_model

from risks.choices import Category, Role
from risks.models import (
    Action,
    Control,
    Membership,
    Organisation,
    Panel,
    PanelMember,
    ReportingPeriod,
    Review,
    Risk,
    Theme,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("correct-horse-battery")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    short_name = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"{o.short_name} body")
    slug = factory.LazyAttribute(lambda o: o.short_name.lower())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.READER
    post_title = "Head of Assurance"


class PanelFactory(factory.django.DjangoModelFactory):
    """A panel over the given organisations (default: every organisation so far)."""

    class Meta:
        model = Panel
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = "MPS-MOPAC Joint Audit Panel"

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        if create:
            wanted = Organisation.objects.all() if extracted is None else extracted
            self.organisations.add(*wanted)


def _the_panel() -> Panel:
    """The one panel most tests need: the first, else a new one over every body."""
    return Panel.objects.order_by("pk").first() or PanelFactory()


class PanelMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelMember

    user = factory.SubFactory(UserFactory)
    panel = factory.LazyFunction(_the_panel)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"R{n:03d}")
    title = factory.Sequence(lambda n: f"Risk number {n}")
    cause = "Because demand is rising,"
    event = "there is a risk that services are overwhelmed,"
    effect = "which would reduce public confidence."
    category = Category.OPERATIONS
    owner_post = "Director of Strategy"
    inherent_likelihood = 4
    inherent_impact = 5
    current_likelihood = 3
    current_impact = 4
    target_likelihood = 2
    target_impact = 3
    next_review_date = datetime.date(2019, 12, 31)


class ControlFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Control

    risk = factory.SubFactory(RiskFactory)
    description = "Monthly oversight board reviews delivery."
    owner_post = "Head of Governance"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    risk = factory.SubFactory(RiskFactory)
    description = "Commission an independent review."
    owner_post = "Head of Governance"
    due_date = datetime.date(2019, 12, 31)


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    organisation = factory.SubFactory(OrganisationFactory)
    label = "2019/20 Q2"
    start = datetime.date(2019, 7, 1)
    end = datetime.date(2019, 9, 30)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    risk = factory.SubFactory(RiskFactory)
    period = factory.SubFactory(
        ReportingPeriodFactory,
        organisation=factory.SelfAttribute("..risk.organisation"),
    )
    likelihood = 3
    impact = 4
    commentary = "Reviewed at the quarterly board."
    reviewed_by = factory.SubFactory(UserFactory)
    reviewed_on = datetime.date(2019, 9, 20)
