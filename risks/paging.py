"""Pagination helpers."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator given its count by the caller, saving the COUNT query."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # shadows Paginator.count, a cached_property
