"""Sign-in, sign-out, break-glass sign-in links and personal access token pages."""

import logging

from allauth.account.internal.flows.login import get_authentication_records
from allauth.socialaccount.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required, login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from requests import RequestException

from risks.views.edit import get_or_post

from . import selectors, services
from .forms import TokenCreateForm
from .oidc import configured_provider

logger = logging.getLogger("accounts.sign_in")
# The backend a session signed in without a password is kept under.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInView(LoginView):
    """Django's sign-in page, with a button per provider; passwords when allowed."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "providers": settings.OIDC_PROVIDERS,
            "local_passwords": settings.AUTH_LOCAL_PASSWORDS,
        }


def _end_session_url(request: HttpRequest) -> str:
    """The provider's end-session URL when the person signed in through one."""
    records = get_authentication_records(request, request.user)
    names = [r.get("provider") for r in records if r.get("method") == "socialaccount"]
    provider = configured_provider(names[-1]) if names else None
    if provider is None:
        return ""
    try:
        with get_adapter().get_requests_session() as session:
            response = session.get(
                f"{provider.issuer}/.well-known/openid-configuration"
            )
            response.raise_for_status()
            endpoint = response.json().get("end_session_endpoint")
    except (RequestException, ValueError) as error:
        logger.warning("No end-session endpoint from %s: %s", provider.name, error)
        return ""
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http")):
        return ""
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    query = urlencode(
        {"client_id": provider.client_id, "post_logout_redirect_uri": back}
    )
    return f"{endpoint}?{query}"


@require_POST
@login_not_required
def sign_out(request: HttpRequest) -> HttpResponse:
    """End the session, then the provider's session when it offers an endpoint."""
    end_session = _end_session_url(request) if request.user.is_authenticated else ""
    logout(request)
    if end_session:
        return HttpResponseRedirect(end_session)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache
@login_not_required
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """Sign a superuser in with a one-time link: a GET asks, a POST spends it."""
    if request.method != "POST":
        # Mail scanners and link previews fetch links: only a POST spends one.
        return render(request, "accounts/signin_link.html", {"token": token})
    user = services.signin_link_use(token=token)
    if user is None:
        return render(request, "accounts/signin_link_invalid.html", status=410)
    login(request, user, backend=SESSION_BACKEND)
    return redirect(settings.LOGIN_REDIRECT_URL)


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
