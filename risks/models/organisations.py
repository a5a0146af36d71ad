"""Organisations, their members' roles, the panels over them and panel seats."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ..choices import Role


class Organisation(models.Model):
    """A body that keeps its own corporate risk register (e.g. MOPAC, MPS)."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(
        max_length=20, unique=True, help_text="Shown in references, e.g. MOPAC."
    )
    slug = models.SlugField(max_length=40, unique=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class Membership(models.Model):
    """A user's place in one organisation: their role and post title."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(
        max_length=20,
        choices=Role,
        default=Role.READER,
        help_text="Readers view; risk owners edit the risks they own or are "
        "delegated; governance officers run the register.",
    )
    post_title = models.CharField(
        max_length=200, help_text='The post, never a name: "Director of Strategy".'
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "role", "post_title"]

    def __str__(self) -> str:
        return f"{self.post_title} ({self.organisation}, {self.get_role_display()})"


class Panel(models.Model):
    """A joint audit committee over one or more organisations' registers.

    Today the MPS-MOPAC Joint Audit Panel over MOPAC and the MPS; another force
    and its PCC would be another row, with its own organisations and members.
    """

    name = models.CharField(max_length=200, unique=True)
    organisations = models.ManyToManyField(
        Organisation,
        related_name="panels",
        help_text="The organisations whose registers and papers it oversees.",
    )

    history = HistoricalRecords(m2m_fields=[organisations])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    """A seat on a panel: reads its published papers and aligned risks only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_member"
    )
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="members")
    post_title = models.CharField(max_length=200, default="Audit Panel member")

    history = HistoricalRecords()

    def __str__(self) -> str:
        return self.post_title
