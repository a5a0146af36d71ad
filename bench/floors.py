"""Floors for the benchmark: the least work that could serve the same content.

The benchmark serves the project's own URLs through this URL configuration, so
the floor views below pass through exactly the same middleware (sessions,
authentication, CSRF, CSP, history, axes) as the pages they are compared with.

- `minimal_register`: the same first page of register rows the user may see
  (same access filter, same order, same page size), fetched with `values()` and
  rendered by a tiny template, with no heat maps, filters or derived values.
- Django's admin changelist over the same risks is the second floor; it needs no
  code here (`/admin/risks/risk/` as a superuser).
- WeasyPrint alone on the paper's final HTML is the third (`weasyprint_alone`).
"""

from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from risks import access
from risks.selectors import REGISTER_PAGE_SIZE, REGISTER_ROW_FIELDS

MINIMAL_URL = "/bench/minimal-register/"

# The register's own columns, less the review scores its direction of travel needs.
ROW_FIELDS = tuple(f for f in REGISTER_ROW_FIELDS if not f.endswith("review_score"))

MINIMAL_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Risk register</title></head>
<body><table><thead><tr><th>Reference</th><th>Title</th><th>Organisation</th>
<th>Owner</th><th>Current</th><th>Target</th><th>Next review</th><th>Status</th>
</tr></thead><tbody>{% for r in rows %}
<tr><td>{{ r.reference }}</td><td><a href="/risks/{{ r.pk }}/">{{ r.title }}</a></td>
<td>{{ r.organisation__short_name }}</td><td>{{ r.owner_post }}</td>
<td>{{ r.current_likelihood }}×{{ r.current_impact }}</td>
<td>{{ r.target_likelihood }}×{{ r.target_impact }}</td>
<td>{{ r.next_review_date|date:"j M Y" }}</td><td>{{ r.status }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


@cache
def _template():
    return engines["django"].from_string(MINIMAL_TEMPLATE)


@login_required
def minimal_register(request: HttpRequest) -> HttpResponse:
    """Serve the register's first page as plainly as Django can."""
    rows = (
        access.viewable_risks(request.user)
        .order_by("reference", "pk")
        .values(*ROW_FIELDS)[:REGISTER_PAGE_SIZE]
    )
    return HttpResponse(_template().render({"rows": rows}))


def weasyprint_alone(html: str) -> bytes:
    """Print HTML to a tagged PDF exactly as the paper's renderer does, and no more."""
    from weasyprint import HTML

    from reports.fetcher import STATIC_BASE_URL, SafeFetcher

    return HTML(
        string=html, url_fetcher=SafeFetcher(), base_url=STATIC_BASE_URL
    ).write_pdf(pdf_variant="pdf/ua-1")


urlpatterns = [
    path(MINIMAL_URL.strip("/") + "/", minimal_register, name="bench-minimal"),
    path("", include("riskregister.urls")),
]
