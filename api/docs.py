"""The API's documentation: a GOV.UK reference page and Swagger UI to try it out."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import reference


@login_required
@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """Show every endpoint, parameter and field, read from the OpenAPI schema."""
    endpoints, objects = reference.build()
    context = {"endpoints": endpoints, "objects": objects}
    return render(request, "api/reference.html", context)


@login_required
@require_safe
def api_explorer(request: HttpRequest) -> HttpResponse:
    """Show Swagger UI from our static files (the CSP allows only 'self')."""
    return render(request, "api/docs.html")
