"""Pages that change a risk: create, edit, close, owner, controls, actions, reviews.

Each view fetches through risks.access (not visible → 404, visible but not
changeable → 403), reads a form, calls one service and redirects to the risk.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import access, forms, services
from ..models import Action, Control, Risk

get_or_post = require_http_methods(["GET", "POST"])


# --- Fetching and saving ----------------------------------------------------


def _visible_risk(user, pk: int) -> Risk:
    return get_object_or_404(
        access.viewable_risks(user).select_related("organisation"), pk=pk
    )


def _editable_risk(user, pk: int) -> Risk:
    risk = _visible_risk(user, pk)
    if not access.can_edit_risk(user, risk):
        raise PermissionDenied("You may not change this risk.")
    return risk


def _managed_risk(user, pk: int) -> Risk:
    risk = _visible_risk(user, pk)
    if not access.can_manage_register(user, risk.organisation):
        raise PermissionDenied("Only governance officers may do this.")
    return risk


def _editable_child(model: type[models.Model], user, pk: int):
    child = get_object_or_404(
        model.objects.select_related("risk__organisation").filter(
            risk__in=access.viewable_risks(user)
        ),
        pk=pk,
    )
    if not access.can_edit_risk(user, child.risk):
        raise PermissionDenied("You may not change this risk.")
    return child


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _submit(request: HttpRequest, form: django_forms.Form, save: Callable):
    """Run the service on a valid POST; show its refusal on the form.

    Returns what the service returned, or None when the page is to be shown.
    A StaleVersionError propagates from versioned forms (the caller shows the
    conflict page); elsewhere it can only be a simultaneous save, so ask again.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save()
    except ValidationError as error:
        forms.apply_service_error(form, error)
    except services.StaleVersionError:
        if "version" in form.fields:
            raise
        form.add_error(None, forms.RACE_MESSAGE)
    return None


def _conflict(
    request: HttpRequest,
    *,
    form: django_forms.Form,
    stale: services.StaleVersionError,
    risk: Risk,
    noun: str,
    edit_url: str,
) -> HttpResponse:
    """Show the user's version beside the saved one; nothing has been written."""
    rows = forms.conflict_rows(form, stale.current)
    context = {
        "risk": risk,
        "noun": noun,
        "rows": rows,
        "differences": [row for row in rows if row["differs"]],
        "reason": form.cleaned_data.get("reason", ""),
        "last_change": stale.current.history.first(),
        "edit_url": edit_url,
    }
    return render(request, "risks/conflict.html", context, status=409)


# --- Risks ------------------------------------------------------------------


@login_required
@get_or_post
def risk_create(request: HttpRequest) -> HttpResponse:
    """Add a risk to a register the user governs."""
    organisations = access.managed_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("Only governance officers may create risks.")
    form = forms.RiskCreateForm(_data(request), organisations=organisations)

    def save() -> Risk:
        data = form.cleaned_data
        return services.risk_create(
            organisation=data["organisation"],
            user=request.user,
            data=form.risk_data(),
            owner=data["owner"],
            themes=data["themes"],
        )

    if risk := _submit(request, form, save):
        messages.success(request, f"{risk.reference} has been added to the register.")
        return redirect(risk)
    context = {
        "form": form,
        "organisation": organisations[0] if len(organisations) == 1 else None,
        "cancel_url": reverse("risks:list"),
    }
    return render(request, "risks/risk_form.html", context)


@login_required
@get_or_post
def risk_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a risk's fields, refusing a save based on an old version."""
    risk = _editable_risk(request.user, pk)
    # The form writes the user's input onto its instance; keep the page's own.
    form = forms.RiskUpdateForm(
        _data(request),
        instance=copy.copy(risk),
        can_change_reference=access.can_manage_register(
            request.user, risk.organisation
        ),
    )

    def save() -> Risk:
        data = form.cleaned_data
        return services.risk_update(
            risk=risk,
            user=request.user,
            data=form.risk_data(),
            expected_version=data["version"],
            themes=data["themes"],
            reason=data["reason"],
        )

    try:
        saved = _submit(request, form, save)
    except services.StaleVersionError as stale:
        return _conflict(
            request,
            form=form,
            stale=stale,
            risk=risk,
            noun="risk",
            edit_url=reverse("risks:update", args=[risk.pk]),
        )
    if saved:
        messages.success(request, f"Your changes to {saved.reference} have been saved.")
        return redirect(saved)
    context = {"form": form, "risk": risk, "cancel_url": risk.get_absolute_url()}
    return render(request, "risks/risk_form.html", context)


@login_required
@get_or_post
def risk_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a risk that no longer needs managing, with the reason."""
    risk = _managed_risk(request.user, pk)
    form = forms.RiskCloseForm(_data(request))

    def save() -> Risk:
        return services.risk_close(
            risk=risk, user=request.user, reason=form.cleaned_data["reason"]
        )

    if closed := _submit(request, form, save):
        messages.success(request, f"{closed.reference} has been closed.")
        return redirect(closed)
    return render(request, "risks/risk_close.html", {"form": form, "risk": risk})


@login_required
@get_or_post
def risk_owner(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the owner and add or remove delegates (three small forms)."""
    risk = _managed_risk(request.user, pk)
    user = request.user
    delegates = services.risk_delegates(risk)
    step = request.POST.get("step") if request.method == "POST" else None
    owner_form = forms.OwnerForm(_data(request) if step == "owner" else None, risk=risk)
    delegate_form = forms.DelegateAddForm(
        _data(request) if step == "add" else None,
        risk=risk,
        exclude=[*delegates, risk.owner] if risk.owner else delegates,
    )
    remove_form = forms.DelegateRemoveForm(
        _data(request) if step == "remove" else None, delegates=delegates
    )
    steps = {
        "owner": (
            owner_form,
            lambda d: services.risk_assign_owner(
                risk=risk,
                owner=d["owner"],
                owner_post=d["owner_post"],
                user=user,
                reason=d["reason"],
            ),
            "The risk owner has been saved.",
        ),
        "add": (
            delegate_form,
            lambda d: services.risk_delegate_add(
                risk=risk, delegate=d["delegate"], user=user
            ),
            "The delegate has been added.",
        ),
        "remove": (
            remove_form,
            lambda d: services.risk_delegate_remove(
                risk=risk, delegate=d["delegate"], user=user
            ),
            "The delegate has been removed.",
        ),
    }
    failed_form = None
    if step in steps:
        form, run, done = steps[step]
        # The delegate services return nothing; success is "no exception".
        if _submit(request, form, lambda: run(form.cleaned_data) or True):
            messages.success(request, done)
            return redirect(risk)
        failed_form = form
    context = {
        "risk": risk,
        "delegates": delegates,
        "owner_form": owner_form,
        "delegate_form": delegate_form,
        "failed_form": failed_form,
    }
    return render(request, "risks/owner_form.html", context)


# --- Controls and actions ---------------------------------------------------


@dataclass(frozen=True)
class Child:
    """What differs between the control pages and the action pages."""

    noun: str
    model: type[models.Model]
    create_form: type[django_forms.ModelForm]
    update_form: type[django_forms.ModelForm]
    create: Callable
    update: Callable
    delete: Callable
    template: str


CONTROL = Child(
    "control",
    Control,
    forms.ControlForm,
    forms.ControlUpdateForm,
    services.control_create,
    services.control_update,
    services.control_delete,
    "risks/control_form.html",
)
ACTION = Child(
    "action",
    Action,
    forms.ActionForm,
    forms.ActionUpdateForm,
    services.action_create,
    services.action_update,
    services.action_delete,
    "risks/action_form.html",
)


def _child_create(request: HttpRequest, pk: int, kind: Child) -> HttpResponse:
    risk = _editable_risk(request.user, pk)
    form = kind.create_form(_data(request))

    def save():
        return kind.create(risk=risk, user=request.user, data=form.cleaned_data)

    if _submit(request, form, save):
        messages.success(request, f"The {kind.noun} has been added.")
        return redirect(risk)
    return render(request, kind.template, {"form": form, "risk": risk})


def _child_update(request: HttpRequest, pk: int, kind: Child) -> HttpResponse:
    child = _editable_child(kind.model, request.user, pk)
    risk = child.risk
    form = kind.update_form(_data(request), instance=copy.copy(child))

    def save():
        data = form.cleaned_data
        return kind.update(
            **{kind.noun: child},
            user=request.user,
            data=data,
            expected_version=data["version"],
            reason=data["reason"],
        )

    try:
        saved = _submit(request, form, save)
    except services.StaleVersionError as stale:
        edit_url = reverse(f"risks:{kind.noun}_update", args=[child.pk])
        return _conflict(
            request,
            form=form,
            stale=stale,
            risk=risk,
            noun=kind.noun,
            edit_url=edit_url,
        )
    if saved:
        messages.success(request, f"Your changes to the {kind.noun} have been saved.")
        return redirect(risk)
    context = {"form": form, "risk": risk, kind.noun: child}
    return render(request, kind.template, context)


def _child_delete(request: HttpRequest, pk: int, kind: Child) -> HttpResponse:
    child = _editable_child(kind.model, request.user, pk)
    form = forms.DeleteForm(_data(request))

    def save() -> bool:
        kind.delete(
            **{kind.noun: child}, user=request.user, reason=form.cleaned_data["reason"]
        )
        return True

    if _submit(request, form, save):
        messages.success(request, f"The {kind.noun} has been deleted.")
        return redirect(child.risk)
    context = {"form": form, "risk": child.risk, "object": child, "noun": kind.noun}
    return render(request, "risks/confirm_delete.html", context)


@login_required
@get_or_post
def control_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a control to a risk."""
    return _child_create(request, pk, CONTROL)


@login_required
@get_or_post
def control_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a control, refusing a save based on an old version."""
    return _child_update(request, pk, CONTROL)


@login_required
@get_or_post
def control_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete a control."""
    return _child_delete(request, pk, CONTROL)


@login_required
@get_or_post
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an action to a risk."""
    return _child_create(request, pk, ACTION)


@login_required
@get_or_post
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an action, refusing a save based on an old version."""
    return _child_update(request, pk, ACTION)


@login_required
@get_or_post
def action_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then delete an action."""
    return _child_delete(request, pk, ACTION)


# --- Reviews ----------------------------------------------------------------


@login_required
@get_or_post
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the risk's quarterly review in an open period."""
    risk = _editable_risk(request.user, pk)
    form = forms.ReviewForm(_data(request), risk=risk)

    def save():
        data = form.cleaned_data
        return services.review_record(
            risk=risk,
            period=data["period"],
            user=request.user,
            likelihood=data["likelihood"],
            impact=data["impact"],
            commentary=data["commentary"],
        )

    if review := _submit(request, form, save):
        messages.success(
            request,
            f"The {review.period.label} review of {risk.reference} is recorded.",
        )
        return redirect(risk)
    return render(request, "risks/review_form.html", {"form": form, "risk": risk})
