"""Pages of a list: `page` and `page_size` (at most 1,000), with `next` links."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 1000


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
