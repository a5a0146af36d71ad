"""The API's documentation page: Swagger UI served from our own static files."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@login_required
@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """Show the OpenAPI schema as Swagger UI (no CDN: the CSP allows only 'self')."""
    return render(request, "api/docs.html")
