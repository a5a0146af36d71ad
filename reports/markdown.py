"""Paper sections are written in Markdown; this turns them into safe HTML.

Two layers: Markdown itself is told to treat raw HTML as text and to drop
images, then nh3 keeps only the tags a paper needs and https/mailto links.
"""

import xml.etree.ElementTree as ET  # noqa: S405 - builds markdown's own tree, no parsing
from urllib.parse import urlsplit

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "p",
        "ol",
        "ul",
        "li",
        "strong",
        "em",
        "a",
        "h3",
        "h4",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"https", "mailto"})
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _safe_url(href: str) -> bool:
    try:
        return urlsplit(href.strip()).scheme.lower() in URL_SCHEMES
    except ValueError:
        return False


def _append_text(parent: ET.Element, before: ET.Element | None, text: str) -> None:
    """Add text where an element used to be: after `before`, else into parent."""
    if not text:
        return
    if before is None:
        parent.text = (parent.text or "") + text
    else:
        before.tail = (before.tail or "") + text


def _unwrap(parent: ET.Element, child: ET.Element, extra: str = "") -> None:
    """Replace child by its content (text, children, tail) and some extra text."""
    children = list(parent)
    index = children.index(child)
    previous = children[index - 1] if index else None
    _append_text(parent, previous, child.text or "")
    inner = list(child)
    for offset, grandchild in enumerate(inner):
        parent.insert(index + offset, grandchild)
    last = inner[-1] if inner else previous
    _append_text(parent, last, extra)
    _append_text(parent, last, child.tail or "")
    parent.remove(child)


class _PaperTree(markdown.treeprocessors.Treeprocessor):
    """Fit Markdown's output to a paper section before it is sanitised."""

    def __init__(self, md, *, top_heading: int, links: bool, lettered: bool):
        super().__init__(md)
        self.top_heading = top_heading
        self.links = links
        self.lettered = lettered

    def run(self, root: ET.Element) -> None:
        if self.lettered:
            for element in root:
                if element.tag == "ul":
                    element.tag = "ol"
        # Innermost first, so that elements can be unwrapped in place.
        for parent in reversed(list(root.iter())):
            for child in list(parent):
                self._fix(parent, child)

    def _fix(self, parent: ET.Element, child: ET.Element) -> None:
        if child.tag in HEADINGS:
            level = self.top_heading if child.tag in HEADINGS[:3] else 4
            child.tag = f"h{max(3, min(level, 4))}"
        elif child.tag == "img":
            # No images in papers: keep the description only.
            alt = child.get("alt", "")
            child.attrib.clear()
            child.tag, child.text = "em", alt
            if not alt:
                _unwrap(parent, child)
        elif child.tag == "a":
            href = (child.get("href") or "").strip()
            if not _safe_url(href):
                _unwrap(parent, child)  # an unsafe address is dropped, text kept
            elif not self.links:
                label = "".join(child.itertext()).strip()
                shown = href.removeprefix("mailto:")
                _unwrap(parent, child, f" ({shown})" if shown != label else "")


class _PaperExtension(markdown.Extension):
    def __init__(self, **options):
        self.options = options
        super().__init__()

    def extendMarkdown(self, md) -> None:  # noqa: N802 - markdown's API
        # Raw HTML is shown as typed, never passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_PaperTree(md, **self.options), "paper", 15)


def render_markdown(
    text: str, *, top_heading: int = 3, links: bool = True, lettered: bool = False
) -> SafeString:
    """Return sanitised HTML for a section's Markdown.

    links=False prints links as text with their address (for the PDF);
    lettered=True turns bullet lists into ordered (lettered) ones.
    """
    md = markdown.Markdown(
        extensions=[
            "tables",
            _PaperExtension(top_heading=top_heading, links=links, lettered=lettered),
        ],
        output_format="html",
    )
    html = md.convert(text or "")
    return mark_safe(  # noqa: S308 - sanitised by nh3 just above
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            clean_content_tags={"script", "style"},
            attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
            url_schemes=set(URL_SCHEMES),
            url_relative="deny",
            strip_comments=True,
        )
    )
