from rest_framework.pagination import CursorPagination, PageNumberPagination


class DefaultPagination(PageNumberPagination):
    """Small lists (organisations, users, handovers): the {"next", "previous", "results"} shape of API.md."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        from rest_framework.response import Response

        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


class CaseCursorPagination(CursorPagination):
    """Cases and timelines are large: cursor pagination keeps every page one index range scan."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-opened_at", "-id")
