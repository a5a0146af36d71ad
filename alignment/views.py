"""Pages of the alignment workflow: overview, link page, propose, decide, end."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from risks import access
from risks.choices import RiskStatus
from risks.models import Risk, Theme
from risks.recording import StaleVersionError

from . import selectors, services
from .drift import DriftFlag, score_gap_threshold
from .forms import JointActionForm, ProposeForm, ReasonForm
from .models import JointAction, LinkStatus


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Show aligned pairs grouped by theme, with drift flags and filters."""
    links = selectors.viewable_links(request.user)
    theme = request.GET.get("theme", "")
    if theme:
        links = links.filter(theme__slug=theme)
    membership = access.membership_of(request.user)
    groups = selectors.overview(
        links.filter(status=LinkStatus.AGREED),
        today=timezone.localdate(),
        viewer_organisation=membership.organisation if membership else None,
    )
    flag = request.GET.get("flag", "")
    if flag in DriftFlag.values:
        groups = selectors.filter_pairs(groups, flag)
    proposals = links.filter(status=LinkStatus.PROPOSED).select_related(
        "theme",
        "proposer_risk__organisation",
        "partner_risk__organisation",
        "proposed_by_organisation",
    )
    context = {
        "groups": groups,
        "proposals": proposals,
        "themes": Theme.objects.filter(links__isnull=False).distinct(),
        "flags": DriftFlag.choices,
        "selected_theme": theme,
        "selected_flag": flag if flag in DriftFlag.values else "",
        "threshold": score_gap_threshold(),
        "can_propose": access.manages_a_register(request.user),
    }
    return render(request, "alignment/overview.html", context)


def _link_for(request: HttpRequest, pk: int):
    links = selectors.viewable_links(request.user).select_related(
        "theme",
        "proposer_risk__organisation",
        "partner_risk__organisation",
        "proposed_by_organisation",
        "proposed_by",
        "decided_by",
    )
    return get_object_or_404(links, pk=pk)


@login_required
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show both risks of a link, its rationale, joint actions and history."""
    link = _link_for(request, pk)
    user = request.user
    today = timezone.localdate()
    pair_groups = selectors.overview(type(link).objects.filter(pk=link.pk), today=today)
    joint_actions = list(link.joint_actions.select_related("organisation"))
    pair = pair_groups[0].pairs[0]
    visible = set(
        access.viewable_risks(user)
        .filter(pk__in=[link.proposer_risk_id, link.partner_risk_id])
        .values_list("pk", flat=True)
    )
    context = {
        "link": link,
        "pair": pair,
        "chart": pair.chart(visible=visible) if visible else None,
        "visible_risk_ids": visible,
        "joint_actions": [(a, a.is_overdue(today)) for a in joint_actions],
        "history": selectors.link_history(link),
        "can_decide": link.status == LinkStatus.PROPOSED
        and access.can_manage_register(user, link.partner_risk.organisation),
        "can_withdraw": link.status == LinkStatus.PROPOSED
        and access.can_manage_register(user, link.proposer_risk.organisation),
        "can_end": link.status == LinkStatus.AGREED
        and any(
            access.can_manage_register(user, r.organisation)
            for r in (link.proposer_risk, link.partner_risk)
        ),
        "action_orgs": [
            org
            for org in (link.proposer_risk.organisation, link.partner_risk.organisation)
            if access.can_manage_register(user, org)
        ]
        if link.status == LinkStatus.AGREED
        else [],
        "reason_form": ReasonForm(),
    }
    return render(request, "alignment/link_detail.html", context)


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    """Propose a link between one of our risks and one of the other organisation's."""
    organisations = access.managed_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only governance officers may propose alignment.")
    open_risks = Risk.objects.exclude(status=RiskStatus.CLOSED).select_related(
        "organisation"
    )
    # Governance officers see the other register's references and titles here,
    # and nothing more, so that they can name the risk they propose to align.
    form = ProposeForm(
        request.POST or None,
        own_risks=open_risks.filter(organisation__in=organisations),
        partner_risks=open_risks.exclude(organisation__in=organisations),
        initial={"proposer_risk": request.GET.get("risk")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_propose(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Alignment proposed to the other organisation.")
            return redirect(link)
    return render(request, "alignment/propose.html", {"form": form})


def _workflow_step(request: HttpRequest, pk: int, step, *, done: str):
    link = _link_for(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            step(link=link, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    return redirect(link)


@login_required
@require_POST
def agree(request: HttpRequest, pk: int) -> HttpResponse:
    """Agree the other organisation's proposal."""
    return _workflow_step(request, pk, services.link_agree, done="Alignment agreed.")


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Decline the other organisation's proposal with a reason."""
    return _workflow_step(request, pk, services.link_decline, done="Proposal declined.")


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    """End an agreed link, or withdraw a proposal, with a reason."""
    return _workflow_step(request, pk, services.link_end, done="Link ended.")


@login_required
def joint_action_create(request: HttpRequest, pk: int, org: str) -> HttpResponse:
    """Add a joint action owned by one of the link's organisations."""
    link = _link_for(request, pk)
    organisation = next(
        (
            o
            for o in (link.proposer_risk.organisation, link.partner_risk.organisation)
            if o.slug == org
        ),
        None,
    )
    if organisation is None:
        raise PermissionDenied("That organisation is not part of this link.")
    if not access.can_manage_register(request.user, organisation):
        raise PermissionDenied("Only that organisation's governance may add this.")
    form = JointActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.joint_action_create(
                link=link,
                organisation=organisation,
                user=request.user,
                data=data,
                reason=data.pop("reason", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Joint action added.")
            return redirect(link)
    context = {"form": form, "link": link, "organisation": organisation}
    return render(request, "alignment/joint_action_form.html", context)


@login_required
def joint_action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a joint action (its organisation's governance only)."""
    links = selectors.viewable_links(request.user)
    action = get_object_or_404(
        JointAction.objects.filter(link__in=links).select_related(
            "organisation", "link"
        ),
        pk=pk,
    )
    if not access.can_manage_register(request.user, action.organisation):
        raise PermissionDenied("Only the owning organisation's governance may edit.")
    form = JointActionForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.joint_action_update(
                action=action,
                user=request.user,
                data=data,
                expected_version=data.pop("version"),
                reason=data.pop("reason", ""),
            )
        except StaleVersionError:
            form.add_error(
                None,
                "Someone else changed this joint action while you were editing. "
                "Reload the page to see their change, then make yours again.",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Joint action updated.")
            return redirect(action.link)
    context = {"form": form, "link": action.link, "organisation": action.organisation}
    return render(request, "alignment/joint_action_form.html", context)
