"""The notification preferences page, /accounts/notifications/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import services
from .forms import PreferencesForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Show and change which notification e-mails the person receives."""
    current = services.preferences_of(request.user)
    kinds = tuple(current)
    if request.method == "POST":
        form = PreferencesForm(request.POST, kinds=kinds)
        if form.is_valid():
            changed = services.preferences_save(
                user=request.user, wanted=form.cleaned_data["wanted"]
            )
            messages.success(
                request,
                "Your e-mail choices are saved." if changed else "Nothing changed.",
            )
            return redirect("notifications:preferences")
    else:
        wanted = [kind.value for kind, on in current.items() if on]
        form = PreferencesForm(initial={"wanted": wanted}, kinds=kinds)
    return render(
        request, "notifications/preferences.html", {"form": form, "kinds": kinds}
    )
