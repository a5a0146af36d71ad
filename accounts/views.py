"""Personal access tokens for the read API: list, create (shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from risks.views.edit import get_or_post

from . import selectors, services
from .forms import TokenCreateForm


@login_required
@get_or_post
@never_cache  # the page that shows a new secret must not be cached anywhere
def token_list(request: HttpRequest) -> HttpResponse:
    """List the user's tokens (and their organisation's, for governance); make one."""
    user = request.user
    created, secret = None, ""
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                created, secret = services.token_create(
                    owner=user,
                    user=user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = TokenCreateForm()
    else:
        form = TokenCreateForm()
    tokens = list(selectors.manageable_tokens(user))
    context = {
        "form": form,
        "secret": secret,
        "created": created,
        "own": [t for t in tokens if t.user_id == user.pk],
        "others": [t for t in tokens if t.user_id != user.pk],
        "now": timezone.now(),
    }
    return render(request, "accounts/token_list.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: it stops working at once."""
    token = get_object_or_404(selectors.manageable_tokens(request.user), pk=pk)
    services.token_revoke(token=token, user=request.user)
    messages.success(request, f"The token “{token.name}” is revoked.")
    return redirect("accounts:tokens")
