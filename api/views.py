"""The read API's endpoints: thin views over api.rows and the register's selectors."""

import logging
import time

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from risks import access, as_at, selectors
from risks.changes import period_changes
from risks.models import Organisation, Risk

from . import rows
from . import serializers as doc

logger = logging.getLogger("api.requests")


# Base of every endpoint: read-only, and each request logged with its token id.
# (A comment, not a docstring: the schema would show a docstring on every
# endpoint that has no description of its own.)
class ApiView(GenericAPIView):
    http_method_names = ["get", "head", "options"]

    def initial(self, request, *args, **kwargs):
        self._started = time.monotonic()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "_auth", None)
        user = getattr(request, "_user", None)
        # The token's id, never the token: logs are read by more people.
        logger.info(
            "api %s %s status=%s token=%s user=%s ms=%.0f",
            request.method,
            request.get_full_path(),
            response.status_code,
            getattr(token, "pk", "-"),
            getattr(user, "pk", None) or "-",
            (time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000,
        )
        return response

    def page(self, queryset, shape, expand=None) -> Response:
        """Return one page of rows, shaped, with `count`, `next` and `previous`.

        With `expand`, `queryset` holds only the ordered ids: the page is cut
        from them (count and offset over plain columns), then expand(ids) reads
        the page's rows with their per-row subqueries, which otherwise run for
        every row the offset skips. The ids go to expand as that cut, a
        subquery, not as a list: a list's 1,000 parameters are prepared one by
        one by Django and planned one by one by PostgreSQL.
        """
        page = self.paginate_queryset(queryset)
        if expand is not None and page:
            cut = self.paginator.page
            page = expand(queryset[cut.start_index() - 1 : cut.end_index()])
        return self.get_paginated_response([shape(row) for row in page])


def not_found(request: HttpRequest) -> JsonResponse:
    """Answer a path the API does not have, in JSON like its other errors."""
    return JsonResponse({"detail": "Not found."}, status=404)


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise exceptions.ValidationError({name: f"{name} must be a whole number."})
    return int(raw)


def _bool_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({name: f"{name} must be true or false."})
    return raw == "true"


def _organisation_param(request: Request) -> str:
    """Return the `organisation` slug asked for ("" for all); 400 for no such one.

    A typo must not look like an empty register (one query, only when given).
    """
    slug = request.query_params.get("organisation", "").strip()
    if slug and not (
        slug.isascii()  # a slug is ASCII: no query for anything else (a NUL)
        and slug.isprintable()
        and Organisation.objects.filter(slug=slug).exists()
    ):
        raise exceptions.ValidationError(
            {"organisation": f"There is no organisation “{slug[:50]}”."}
        )
    return slug


def _risk_url(request: Request):
    head, tail = request.build_absolute_uri(reverse("api:risk", args=[0])).rsplit(
        "0", 1
    )
    return lambda pk: f"{head}{pk}{tail}"


ORGANISATION = OpenApiParameter(
    "organisation", str, description="Organisation slug, e.g. mopac."
)
RISK = OpenApiParameter("risk", int, description="Id of one risk.")


# --- Risks ------------------------------------------------------------------


@extend_schema(
    summary="The register: risks you may see",
    description="Your own organisation's register, the other organisation's risks "
    "aligned (agreed) with yours, and for Audit Panel members the aligned risks "
    "only — as on /risks/. Sorted by reference. With `as_at`, the register as it "
    "stood at the end of that day (themes are then null; `theme` and `owner` "
    "cannot be combined with it).",
    parameters=[
        ORGANISATION,
        OpenApiParameter(
            "status", str, enum=list(rows.labels("status")), description="Code."
        ),
        OpenApiParameter(
            "category", str, enum=list(rows.labels("category")), description="Code."
        ),
        OpenApiParameter("theme", str, description="Theme slug."),
        OpenApiParameter("owner", str, description="Owner's username."),
        OpenApiParameter(
            "q", str, description="Text in reference, title, cause, event or effect."
        ),
        OpenApiParameter(
            "as_at", OpenApiTypes.DATE, description="The register as at this day."
        ),
    ],
    responses=doc.Risk(many=True),
)
class RiskList(ApiView):
    def get(self, request: Request) -> Response:
        user, today, url = request.user, timezone.localdate(), _risk_url(request)
        params = request.query_params
        if "as_at" in params:
            return self._as_at(request, today, url)
        visible = access.viewable_risks(user)
        options = selectors.register_filter_options(visible)
        filters = selectors.RegisterFilters.from_params(params, options)
        if filters.ignored:
            raise exceptions.ValidationError({"filters": list(filters.ignored)})
        ids = rows.ordered_ids(filters.apply(visible), rows.RISK_ORDER)
        return self.page(
            ids,
            lambda row: rows.shape_risk(row, today, url),
            expand=lambda ids: rows.risk_rows(Risk.objects.filter(pk__in=ids)),
        )

    def _as_at(self, request: Request, today, url) -> Response:
        params = request.query_params
        day = as_at.parse_as_at(params["as_at"])
        if day is None:
            raise exceptions.ValidationError({"as_at": "as_at must be YYYY-MM-DD."})
        if day > today:  # as on the page: the register has no future to show
            raise exceptions.ValidationError(
                {"as_at": "as_at must be today or an earlier day."}
            )
        if params.get("theme") or params.get("owner"):
            raise exceptions.ValidationError(
                {"as_at": "theme and owner cannot be combined with as_at."}
            )
        options = selectors.register_filter_options(access.viewable_risks(request.user))
        filters = selectors.RegisterFilters.from_params(params, options)
        if filters.ignored:
            raise exceptions.ValidationError({"filters": list(filters.ignored)})
        register = as_at.register_as_at(
            request.user,
            day,
            organisation=filters.organisation,
            status=filters.status,
            category=filters.category,
            q=filters.q,
        )
        return self.page(
            register,
            lambda row: rows.shape_risk(rows.historical_row(row), today, url),
        )


@extend_schema(
    summary="One risk with its controls, actions, reviews and aligned risks",
    description="404 when you may not see the risk, as on /risks/<id>/.",
    responses=doc.RiskDetail,
)
class RiskDetail(ApiView):
    pagination_class = None

    def get(self, request: Request, pk: int) -> Response:
        user, today = request.user, timezone.localdate()
        risk = get_object_or_404(
            selectors.risk_page_risks(access.viewable_risks(user)), pk=pk
        )
        page = selectors.risk_page(user, risk, today)
        data = rows.shape_risk(
            rows.instance_row(risk, page.direction), today, _risk_url(request)
        )
        data["controls"] = [
            rows.shape_control(_child_values(c, risk, rows.CONTROL_FIELDS))
            for c in risk.controls.all()
        ]
        data["actions"] = [
            rows.shape_action(_child_values(a.action, risk, rows.ACTION_FIELDS), today)
            for a in page.actions
        ]
        data["reviews"] = [
            rows.shape_review(_review_values(entry.review, risk))
            for entry in reversed(page.timeline)
        ]
        data["aligned"] = [rows.shape_link(aligned.link) for aligned in page.aligned]
        return Response(data)


def _child_values(obj, risk, fields) -> dict:
    values = {name: getattr(obj, name) for name in fields if "__" not in name}
    return values | {
        "pk": obj.pk,
        "risk__reference": risk.reference,
        "risk__organisation__slug": risk.organisation.slug,
    }


def _review_values(review, risk) -> dict:
    period = review.period
    return _child_values(review, risk, rows.REVIEW_FIELDS) | {
        "period__label": period.label,
        "period__start": period.start,
        "period__end": period.end,
        "reviewed_by__username": review.reviewed_by.get_username(),
    }


# --- Controls, actions, reviews ---------------------------------------------


def _narrow(request: Request, queryset):
    risk = _int_param(request, "risk")
    if risk is not None:
        queryset = queryset.filter(risk_id=risk)
    organisation = _organisation_param(request)
    if organisation:
        queryset = queryset.filter(risk__organisation__slug=organisation)
    return queryset


@extend_schema(
    summary="Controls of the risks you may see",
    parameters=[ORGANISATION, RISK],
    responses=doc.Control(many=True),
)
class ControlList(ApiView):
    def get(self, request: Request) -> Response:
        controls = _narrow(request, rows.control_rows(request.user))
        return self.page(controls, rows.shape_control)


@extend_schema(
    summary="Actions of the risks you may see",
    parameters=[
        ORGANISATION,
        RISK,
        OpenApiParameter(
            "overdue", bool, description="true: open actions past their due date."
        ),
        OpenApiParameter(
            "status",
            str,
            enum=["not_started", "on_track", "at_risk", "complete", "cancelled"],
        ),
    ],
    responses=doc.Action(many=True),
)
class ActionList(ApiView):
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        actions = _narrow(request, rows.action_rows(request.user))
        overdue = _bool_param(request, "overdue")
        if overdue is not None:
            late = rows.overdue_actions(actions, today).values("pk")
            actions = (
                actions.filter(pk__in=late) if overdue else actions.exclude(pk__in=late)
            )
        status = request.query_params.get("status", "").strip()
        if status:
            if status not in rows.labels("action_status"):
                raise exceptions.ValidationError({"status": "No such action status."})
            actions = actions.filter(status=status)
        return self.page(actions, lambda row: rows.shape_action(row, today))


@extend_schema(
    summary="Quarterly reviews of the risks you may see",
    parameters=[
        ORGANISATION,
        RISK,
        OpenApiParameter("period", int, description="Id of a reporting period."),
    ],
    responses=doc.Review(many=True),
)
class ReviewList(ApiView):
    def get(self, request: Request) -> Response:
        reviews = _narrow(request, rows.review_rows(request.user))
        period = _int_param(request, "period")
        if period is not None:
            reviews = reviews.filter(period_id=period)
        return self.page(reviews, rows.shape_review)


# --- Organisations, periods, changes ----------------------------------------


@extend_schema(summary="The organisations", responses=doc.Organisation(many=True))
class OrganisationList(ApiView):
    def get(self, request: Request) -> Response:
        return self.page(
            rows.organisation_rows(), lambda row: {"id": row.pop("pk"), **row}
        )


@extend_schema(
    summary="Reporting periods of your own organisation",
    responses=doc.Period(many=True),
)
class PeriodList(ApiView):
    def get(self, request: Request) -> Response:
        head, tail = request.build_absolute_uri(
            reverse("api:period_changes", args=[0])
        ).rsplit("0", 1)
        return self.page(
            rows.period_rows(request.user),
            lambda row: {
                "id": row["pk"],
                "organisation": row["organisation__slug"],
                "label": row["label"],
                "start": row["start"],
                "end": row["end"],
                "is_closed": row["is_closed"],
                "closed_at": row["closed_at"],
                "changes_url": f"{head}{row['pk']}{tail}",
            },
        )


@extend_schema(
    summary="What changed in the register during a reporting period",
    description="Governance officers of the period's organisation only (403 for "
    "its other members, 404 for everyone else), as on the quarter's changes page.",
    responses=doc.Change(many=True),
)
class PeriodChanges(ApiView):
    def get(self, request: Request, pk: int) -> Response:
        period = get_object_or_404(access.viewable_periods(request.user), pk=pk)
        if not access.can_manage_register(request.user, period.organisation):
            raise exceptions.PermissionDenied(
                "Only governance officers see the quarter's changes."
            )
        return self.page(period_changes(period), rows.shape_change)


# --- Alignment and papers ---------------------------------------------------


@extend_schema(
    summary="Alignment links you may see",
    description="Agreed links; governance officers also see proposals, declined "
    "and ended links touching their organisation, as on /alignment/.",
    parameters=[
        OpenApiParameter(
            "status", str, enum=["proposed", "agreed", "declined", "ended"]
        )
    ],
    responses=doc.AlignmentLink(many=True),
)
class LinkList(ApiView):
    def get(self, request: Request) -> Response:
        links = rows.link_rows(request.user)
        status = request.query_params.get("status", "").strip()
        if status:
            if status not in ("proposed", "agreed", "declined", "ended"):
                raise exceptions.ValidationError({"status": "No such link status."})
            links = links.filter(status=status)
        return self.page(links, rows.shape_link)


@extend_schema(
    summary="Published Audit Panel papers",
    description="Papers with a published version, as published. Drafts are never "
    "listed, whoever asks.",
    responses=doc.Paper(many=True),
)
class PaperList(ApiView):
    def get(self, request: Request) -> Response:
        page = list(self.paginate_queryset(rows.paper_rows(request.user)))
        faces = rows.paper_faces(page)
        return self.get_paginated_response(
            [self._shape(request, paper, faces.get(paper.pk)) for paper in page]
        )

    def _shape(self, request: Request, paper, face: dict | None) -> dict:
        if face is None:  # no history row for that revision: as the paper is
            face = {name: getattr(paper, name) for name in rows.PAPER_FACE_FIELDS}
        pdf = request.build_absolute_uri(
            reverse("reports:publication_pdf", args=[paper.pk, paper.published_version])
        )
        return {
            "id": paper.pk,
            **{name: face[name] for name in rows.PAPER_FACE_FIELDS},
            "marking": rows.choice(face["marking"], "marking"),
            "version": paper.published_version,
            "published_at": paper.published_at,
            "pdf_url": pdf,
            "public_pdf_url": f"{pdf}?edition=public",
        }


# --- Dashboard --------------------------------------------------------------


@extend_schema(
    summary="One flat row per risk, for dashboards (Power BI)",
    description="The same risks as /api/v1/risks/, flattened for a table: labels "
    "beside codes, scores and bands, overdue flags and the references of agreed "
    "aligned risks. Use page_size=1000 and follow `next`.",
    parameters=[ORGANISATION],
    responses=doc.DashboardRisk(many=True),
)
class DashboardRisks(ApiView):
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        risks = access.viewable_risks(request.user)
        organisation = _organisation_param(request)
        if organisation:
            risks = risks.filter(organisation__slug=organisation)
        return self.page(
            rows.ordered_ids(risks, rows.DASHBOARD_ORDER),
            lambda row: rows.shape_dashboard(row, today),
            expand=lambda ids: rows.dashboard_rows(
                Risk.objects.filter(pk__in=ids), today
            ),
        )
