"""OpenAPI details: the Bearer token scheme and the error answers of every endpoint."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

ERRORS = {
    "400": "A query parameter is not valid (see `detail` or the named parameter).",
    "401": "No token, or a token that is malformed, unknown, expired or revoked.",
    "403": "You may see the object but not this view of it.",
    "404": "No such object, or one you may not see.",
    "429": "Too many requests for this token; retry after `Retry-After` seconds.",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106  the scheme name, not a secret
            bearer_format="Personal access token from /accounts/tokens/ (rrt_…)",
        )


def add_error_responses(result, generator, request, public):
    """Document the refusals every operation may answer, with one Error body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "Why a request was refused.",
        "properties": {"detail": {"type": "string", "description": "What was wrong."}},
        "additionalProperties": True,
    }
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer"},
        }
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                answer = {
                    "description": description,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Error"}
                        }
                    },
                }
                if code == "429":
                    answer["headers"] = retry_after
                responses.setdefault(code, answer)
    return result


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
