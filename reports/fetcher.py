"""The only way WeasyPrint may load anything: our own paper stylesheet and data: URIs.

User text ends up in the paper, so the renderer must never read a local file or
reach the network whatever a section contains. WeasyPrint's default fetcher
opens file://, http:// and https:// URLs; this one serves a short allow-list of
our static files under a base URL that resolves nowhere, passes data: URIs to
WeasyPrint's own handler, and refuses everything else.
"""

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

from .fonts import FONT_FILES

# Relative URLs in the paper resolve against this; `.invalid` never resolves.
STATIC_BASE_URL = "https://static.paper.invalid/"

# Static files the paper may load (paths as given to {% static %}).
ALLOWED_STATIC = frozenset({"css/paper.css", "css/register.css"})
ALLOWED_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf")
FONT_DIR = "fonts/"

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class RefusedURL(ValueError):
    """The paper asked for something it may not load."""


def _is_allowed(path: str) -> bool:
    if path in ALLOWED_STATIC:
        return True
    name = path.removeprefix(FONT_DIR)
    return (
        path.startswith(FONT_DIR)
        and "/" not in name
        and name.endswith(ALLOWED_FONT_SUFFIXES)
    )


def static_path(path: str) -> Path:
    """Return the file behind an allow-listed static path, or refuse."""
    if not _is_allowed(path) or ".." in path.split("/"):
        raise RefusedURL(f"Not an allowed static file: {path}")
    found = finders.find(path)
    if not found:
        raise RefusedURL(f"Static file not found: {path}")
    return Path(found)


class SafeFetcher(URLFetcher):
    """Serve allow-listed static files and data: URIs; refuse every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=5)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith(STATIC_BASE_URL):
            path = url.removeprefix(STATIC_BASE_URL).split("?", 1)[0].split("#", 1)[0]
            file = static_path(path)
            content_type = CONTENT_TYPES.get(file.suffix) or (
                mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            )
            return URLFetcherResponse(
                url, file.read_bytes(), {"Content-Type": content_type}, 200
            )
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        raise RefusedURL(f"The paper may not load {url[:200]}")


def preloaded_resources() -> dict[str, tuple[bytes, str]]:
    """Return every allow-listed stylesheet and shipped font by URL.

    For renderers without Django (reports/pdf_parts.py): the stylesheets load
    the fonts, so the workers must be handed them too.
    """
    resources = {}
    for path in (*sorted(ALLOWED_STATIC), *FONT_FILES):
        file = static_path(path)
        resources[f"{STATIC_BASE_URL}{path}"] = (
            file.read_bytes(),
            CONTENT_TYPES[file.suffix],
        )
    return resources
