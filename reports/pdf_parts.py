"""Render a long document in parts on several processes and join them into one PDF.

WeasyPrint lays out one document on one core; a 1,000-risk register is about 300
pages of it. Split at entry boundaries, the parts are rendered at once, each a
tagged PDF (PDF/UA-1) of its own, and joined here with pikepdf: pages, structure
tree (WeasyPrint's holds one element per page under the document, so parts join
by concatenation), parent tree, outline and named destinations. "Page n of N" is
only known once every part is laid out, so the parts leave it out and it is drawn
afterwards, as artifacts, from a small WeasyPrint document of page numbers.

Nothing here uses Django: the worker processes come from a fork server that has
imported only this module, and read the stylesheets from the resources they are
given, never from disk or the network.
"""

import gc
import io
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import pikepdf
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

# What a worker may load: {url: (bytes, content type)}, read by the caller.
Resources = dict[str, tuple[bytes, str]]
# Given (first page, last page, total pages), the HTML of those page numbers.
NumbersHTML = Callable[[int, int, int], str]
# Builds one part's HTML when called.
PartHTML = Callable[[], str]


class RefusedResource(ValueError):
    """A part asked for something it was not given."""


class PreloadedFetcher(URLFetcher):
    """Serve the given resources and data: URIs; refuse every other URL."""

    def __init__(self, resources: Resources) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=5)
        self.resources = resources

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url in self.resources:
            body, content_type = self.resources[url]
            return URLFetcherResponse(url, body, {"Content-Type": content_type}, 200)
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        raise RefusedResource(f"The document may not load {url[:200]}")


def cache_page_references() -> None:
    """Work around a quadratic cost of tagged PDFs in pydyf 0.13 (output unchanged).

    `pydyf.PDF.page_references` rebuilds the references of every page each time it
    is read, and WeasyPrint's PDF/UA tagging reads it once per tagged element: for
    a 400-page register, tens of millions of string formats, a fifth of the
    render. Pages are only ever appended, so the tuple is cached per page count.
    Installed once, for every PDF the process writes; skipped if pydyf changes.
    """
    import pydyf

    current = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(current, property) or getattr(current.fget, "cached", False):
        return
    compute = current.fget

    def page_references(pdf) -> tuple:
        count = len(pdf.pages["Kids"])
        cached = pdf.__dict__.get("_page_references")
        if cached is None or cached[0] != count:
            cached = pdf.__dict__["_page_references"] = (count, compute(pdf))
        return cached[1]

    page_references.cached = True
    pydyf.PDF.page_references = property(page_references)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, then collect what was left at once.

    WeasyPrint builds millions of small objects that all live until the render
    ends; the collector would scan them again and again (about a third of the
    time for a 1,000-risk register). Reference counting still frees memory
    meanwhile. The cycles left behind (about 350,000 objects and 0.25 s for half
    of that register) are collected here, by the render that made them, rather
    than by whatever request the process serves next. Nested uses collect once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def render(html: str, base_url: str, fetcher: URLFetcher, *, tagged=True) -> bytes:
    """Return one document as a PDF, tagged (PDF/UA-1) unless told otherwise."""
    cache_page_references()
    with collector_paused():
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.write_pdf(pdf_variant="pdf/ua-1" if tagged else None)


def render_preloaded(
    html: str, base_url: str, resources: Resources, tagged: bool = True
) -> tuple[bytes, int]:
    """Render in a worker process, loading only the given resources.

    Returns the PDF and the worker's peak memory so far (kB), for the figures.
    """
    # A worker only renders, then exits: its garbage is never worth collecting.
    gc.disable()
    pdf = render(html, base_url, PreloadedFetcher(resources), tagged=tagged)
    return pdf, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _worker_pool(workers: int) -> Executor:
    """Return a pool of processes forked from a server that imported this module."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def ranges(total: int, count: int) -> list[tuple[int, int]]:
    """Split pages 1..total into at most `count` runs of nearly equal length."""
    count = max(1, min(count, total))
    bounds = [round(total * i / count) for i in range(count + 1)]
    return [(bounds[i] + 1, bounds[i + 1]) for i in range(count)]


@dataclass
class ParallelRender:
    """Render parts on up to `workers` processes and join them here."""

    base_url: str
    resources: Resources
    workers: int
    # Filled in by run(): seconds per phase, page count, workers' peak memory.
    figures: dict[str, float] = field(default_factory=dict)

    def run(self, parts: Sequence[PartHTML], numbers_html: NumbersHTML) -> bytes:
        """Return the joined, page-numbered PDF of the parts, in order.

        Each part is given as a function that returns its HTML, so that the
        first worker starts on its part while the next one's is built. The page
        numbers are rendered by the workers while this process joins the parts.
        """
        started = time.perf_counter()
        with collector_paused(), _worker_pool(self.workers) as pool:
            pdfs = self._map(pool, parts, tagged=True)
            laid_out = time.perf_counter()
            total = sum(_page_count(pdf) for pdf in pdfs)
            # As many page-number documents as parts, not workers: the same
            # bytes whatever the machine.
            futures = [
                pool.submit(
                    render_preloaded,
                    numbers_html(first, last, total),
                    self.base_url,
                    self.resources,
                    False,
                )
                for first, last in ranges(total, len(parts))
            ]
            waited = {}

            def numbers() -> list[bytes]:
                waited["from"] = time.perf_counter()
                pdfs = [future.result()[0] for future in futures]
                waited["until"] = time.perf_counter()
                return pdfs

            joined = join(pdfs, numbers)
        self.figures.update(
            parts=len(parts),
            workers=self.workers,
            pages=total,
            seconds_parts=round(laid_out - started, 2),
            # What joining did not hide of the page numbers' render.
            seconds_waiting_for_page_numbers=round(waited["until"] - waited["from"], 2),
            # Joining, then stopping the workers and collecting the garbage.
            seconds_join=round(
                time.perf_counter() - laid_out - (waited["until"] - waited["from"]), 2
            ),
        )
        return joined

    def _map(
        self, pool: Executor, jobs: Sequence[PartHTML], *, tagged: bool
    ) -> list[bytes]:
        """Render the jobs in the pool, in order.

        None is rendered here: a render leaves millions of objects in cycles
        that this process would have to collect (1.6 s for half of a 1,000-risk
        register) and keep its peak memory for, while a worker exits without
        collecting them.
        """
        futures = [
            pool.submit(render_preloaded, job(), self.base_url, self.resources, tagged)
            for job in jobs
        ]
        results = [future.result() for future in futures]
        peak = max((rss for _, rss in results), default=0) // 1024
        self.figures["worker_peak_rss_mb"] = max(
            peak, self.figures.get("worker_peak_rss_mb", 0)
        )
        return [pdf for pdf, _ in results]


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


# --- Joining ----------------------------------------------------------------


@dataclass
class _Bookmark:
    title: str
    destination: list  # [page index, *location], page index within the whole PDF
    closed: bool
    children: list["_Bookmark"]


def _page_indexes(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: index for index, page in enumerate(pdf.pages)}


def _location(destination, indexes, offset: int) -> list | None:
    """Turn [page, /XYZ, x, y, z] into [index in the joined PDF, /XYZ, x, y, z]."""
    if not isinstance(destination, pikepdf.Array) or not len(destination):
        return None
    index = indexes.get(destination[0].objgen)
    if index is None:
        return None
    return [index + offset, *list(destination)[1:]]


def _bookmarks(pdf: pikepdf.Pdf, offset: int) -> list[_Bookmark]:
    indexes = _page_indexes(pdf)

    def read(items) -> list[_Bookmark]:
        return [
            _Bookmark(
                title=item.title,
                destination=_location(item.destination, indexes, offset),
                closed=item.is_closed,
                children=read(item.children),
            )
            for item in items
        ]

    with pdf.open_outline() as outline:
        return read(outline.root)


def _continue_bookmarks(joined: list[_Bookmark], part: list[_Bookmark]) -> None:
    """Add a later part's bookmarks; its first one continues the last one so far.

    A part after the first starts inside a section begun earlier ("Risks"), and
    repeats that section's bookmark (with no text of its own) so that its entries
    nest under it; those children join the earlier bookmark.
    """
    if part and joined and part[0].title == joined[-1].title:
        _continue_bookmarks(joined[-1].children, part[0].children)
        part = part[1:]
    joined.extend(part)


def _write_bookmarks(pdf: pikepdf.Pdf, bookmarks: list[_Bookmark]) -> None:
    pages = pdf.pages

    def build(bookmark: _Bookmark) -> pikepdf.OutlineItem:
        destination = None
        if bookmark.destination is not None:
            index, *location = bookmark.destination
            destination = pikepdf.Array([pages[index].obj, *location])
        item = pikepdf.OutlineItem(bookmark.title, destination)
        item.is_closed = bookmark.closed
        item.children.extend(build(child) for child in bookmark.children)
        return item

    with pdf.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(build(bookmark) for bookmark in bookmarks)


def _destinations(pdf: pikepdf.Pdf, offset: int) -> dict[str, list]:
    """Return the named destinations as {name: [page index, *location]}."""
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    indexes = _page_indexes(pdf)
    found = {}
    for name, destination in pikepdf.NameTree(names.Dests).items():
        location = _location(destination, indexes, offset)
        if location is not None:
            found[name] = location
    return found


def _write_destinations(pdf: pikepdf.Pdf, destinations: dict[str, list]) -> None:
    if not destinations:
        return
    pages = pdf.pages
    flat = pikepdf.Array()
    for name in sorted(destinations, key=lambda n: n.encode("utf-8")):
        index, *location = destinations[name]
        flat.append(pikepdf.String(name))
        flat.append(pikepdf.Array([pages[index].obj, *location]))
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=flat))


def _structure(pdf: pikepdf.Pdf) -> tuple[pikepdf.Dictionary, pikepdf.Array]:
    """Return the document structure element and the flat parent tree numbers."""
    root = pdf.Root.StructTreeRoot
    kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
    numbers = root.ParentTree.get("/Nums")
    if len(kids) != 1 or numbers is None:
        raise ValueError("Unexpected structure tree: one element, flat parent tree.")
    return kids[0], numbers


def _next_key(numbers: pikepdf.Array) -> int:
    keys = [int(numbers[i]) for i in range(0, len(numbers), 2)]
    return max(keys, default=-1) + 1


def _append_part(
    joined: pikepdf.Pdf,
    document: pikepdf.Dictionary,
    numbers: pikepdf.Array,
    part: pikepdf.Pdf,
) -> None:
    """Append a part's pages and structure to the joined PDF."""
    part_document, part_numbers = _structure(part)
    elements = list(part_document.K)
    # Cut the links back to the part's own tree, so copying an element does not
    # copy everything above it as well.
    for element in elements:
        if "/P" in element:
            del element["/P"]
    first_new_page = len(joined.pages)
    # One copier per source PDF: the pages are copied first, and the structure
    # elements' /Pg references then resolve to those same copies.
    joined.pages.extend(part.pages)
    offset = _next_key(numbers)
    for element in elements:
        copy = joined.copy_foreign(element)
        copy.P = document
        document.K.append(copy)
    for i in range(0, len(part_numbers), 2):
        value = part_numbers[i + 1]
        if isinstance(value, pikepdf.Array):
            value = pikepdf.Array(
                joined.copy_foreign(item) if item.is_indirect else item
                for item in value
            )
        else:
            value = joined.copy_foreign(value)
        numbers.append(int(part_numbers[i]) + offset)
        numbers.append(value)
    for page in joined.pages[first_new_page:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset


def _number_pages(joined: pikepdf.Pdf, numbers: list[pikepdf.Pdf]) -> None:
    """Draw each numbers page over the same page of the joined PDF, as an artifact."""
    sources = [page for pdf in numbers for page in pdf.pages]
    if len(sources) != len(joined.pages):
        raise ValueError(f"{len(sources)} page numbers for {len(joined.pages)} pages.")
    for index, (page, source) in enumerate(zip(joined.pages, sources, strict=True)):
        # WeasyPrint gives all the pages of a part one resource dictionary; each
        # page's number goes in under a name of its own (not pikepdf's random one,
        # so that the same parts give the same bytes).
        name = pikepdf.Name(f"/PageNumber{index + 1}")
        resources = page.obj.Resources
        if "/XObject" not in resources:
            resources.XObject = pikepdf.Dictionary()
        resources.XObject[name] = joined.copy_foreign(source.as_form_xobject())
        # The page's own content may leave its transformation matrix changed:
        # save and restore around it, then draw the number marked as an artifact
        # (page furniture, not part of the structure tree).
        page.contents_add(pikepdf.Stream(joined, b"q\n"), prepend=True)
        page.contents_add(
            pikepdf.Stream(
                joined, b"Q\n/Artifact BMC\nq " + name.unparse() + b" Do Q\nEMC\n"
            )
        )


def _titled(title: str, offset: int, children: list[_Bookmark]) -> _Bookmark:
    """One bookmark for a whole part, at its first page, over the part's own."""
    return _Bookmark(
        title=title,
        destination=[offset, pikepdf.Name.Fit],
        closed=False,
        children=children,
    )


def join(
    parts: Sequence[bytes],
    numbers: Sequence[bytes] | Callable[[], Sequence[bytes]],
    *,
    titles: Sequence[str] | None = None,
) -> bytes:
    """Join tagged part PDFs into one and draw the page numbers on it.

    `numbers` may be a function that waits for them: it is called only once the
    parts are joined, so that they can be rendered meanwhile. Same parts, same
    bytes: the file identifier is derived from the content.

    Parts of one long document continue each other's bookmarks. Separate
    documents (an agenda pack's items) are given `titles`, one per part: each
    part then gets a bookmark of its own with the part's bookmarks under it.
    """
    opened = [pikepdf.open(io.BytesIO(pdf)) for pdf in parts]
    numbered: list[pikepdf.Pdf] = []
    if titles is not None and len(titles) != len(parts):
        raise ValueError(f"{len(titles)} titles for {len(parts)} parts.")
    try:
        joined = opened[0]
        document, parent_numbers = _structure(joined)
        bookmarks = _bookmarks(joined, 0)
        if titles is not None:
            bookmarks = [_titled(titles[0], 0, bookmarks)]
        destinations = _destinations(joined, 0)
        for index, part in enumerate(opened[1:], start=1):
            offset = len(joined.pages)
            if titles is not None:
                own = _bookmarks(part, offset)
                bookmarks.append(_titled(titles[index], offset, own))
            else:
                _continue_bookmarks(bookmarks, _bookmarks(part, offset))
            for name, location in _destinations(part, offset).items():
                destinations.setdefault(name, location)
            _append_part(joined, document, parent_numbers, part)
        root = joined.Root.StructTreeRoot
        if "/ParentTreeNextKey" in root:
            root.ParentTreeNextKey = _next_key(parent_numbers)
        _write_bookmarks(joined, bookmarks)
        _write_destinations(joined, destinations)
        numbers = numbers() if callable(numbers) else numbers
        numbered = [pikepdf.open(io.BytesIO(pdf)) for pdf in numbers]
        _number_pages(joined, numbered)
        output = io.BytesIO()
        joined.save(
            output,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        return output.getvalue()
    finally:
        for pdf in (*opened, *numbered):
            pdf.close()
