"""Lists: an ``ordering`` parameter and keyset cursor pagination.

:class:`KeysetOrdering` (a filter backend) reads ``?ordering=`` (one of the view's
``ordering_fields``, ``-`` for descending; the view's ``ordering`` by default), appends
the primary key as tie-break and orders the queryset. :class:`KeysetCursorPagination`
then reads one page after (or before) the cursor's position with a ``WHERE (a, pk) >
(…)`` condition, as ``core.db.keyset_chunks`` does: no ``OFFSET`` and no ``COUNT``, so a
page costs the same at row 10 and at row 100,000, and rows added meanwhile are neither
skipped nor repeated. Orderings use fields that are never ``NULL``.

Response: ``{"next": url | null, "previous": url | null, "results": [...]}``; follow
``next`` for the following page. ``page_size`` (1–200, default 50) sets the page length.
"""

import base64
import binascii
import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

ORDERING_PARAM = "ordering"
CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _tie_break(ordering: list[str]) -> list[str]:
    """``ordering`` ending in the primary key (in the first field's direction), so it is unique."""
    if ordering[-1].lstrip("-") not in ("pk", "id"):
        ordering = [*ordering, "-pk" if ordering[0].startswith("-") else "pk"]
    return ordering


class KeysetOrdering(BaseFilterBackend):
    """``?ordering=name`` / ``?ordering=-balance``: one of ``view.ordering_fields``; an
    unknown value is a 400 problem. Stores the full ordering on ``view.keyset_ordering``."""

    def get_ordering(self, request, queryset, view) -> list[str]:
        fields = list(getattr(view, "ordering_fields", ()))
        default = list(getattr(view, "ordering", None) or ["pk"])
        value = request.query_params.get(ORDERING_PARAM, "").strip()
        if not value:
            return _tie_break(default)
        if value.lstrip("-") not in fields:
            raise exceptions.ValidationError({ORDERING_PARAM: [_("Order by one of: %(fields)s (a leading - for "
                                                                 "descending).") % {"fields": ", ".join(fields)}]})
        return _tie_break([value])

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        view.keyset_ordering = ordering
        return queryset.order_by(*ordering)

    def get_schema_operation_parameters(self, view):
        fields = list(getattr(view, "ordering_fields", ()))
        if not fields:
            return []
        default = (getattr(view, "ordering", None) or ["pk"])[0]
        return [{
            "name": ORDERING_PARAM, "required": False, "in": "query",
            "description": f"Sort order (default {default}); a leading - sorts descending.",
            "schema": {"type": "string", "enum": [v for f in fields for v in (f, f"-{f}")]},
        }]


def _plain(value):
    """A position value as JSON keeps it exactly: dates and times in full ISO 8601
    (microseconds included), decimals as strings."""
    if isinstance(value, datetime.date | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def _after(fields: list[tuple[str, bool]], values: list) -> Q:
    """Rows after ``values`` in the order of ``fields`` (``(name, descending)``)."""
    condition, equal = Q(), Q()
    for (name, descending), value in zip(fields, values, strict=True):
        condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{name: value})
    return condition


class KeysetCursorPagination(BasePagination):
    """Opaque ``cursor`` links over the view's ``keyset_ordering`` (see the module)."""

    def get_page_size(self, request) -> int:
        value = request.query_params.get(PAGE_SIZE_PARAM, "")
        if not value:
            return DEFAULT_PAGE_SIZE
        if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError({PAGE_SIZE_PARAM: [_("Give a page size from 1 to %(max)s.")
                                                                % {"max": MAX_PAGE_SIZE}]})
        return int(value)

    def _decode(self, request, queryset) -> tuple[bool, list] | None:
        raw = request.query_params.get(CURSOR_PARAM, "")
        if not raw:
            return None
        invalid = exceptions.ValidationError({CURSOR_PARAM: [_("That cursor is not valid. Follow the next or "
                                                               "previous link of a page.")]})
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            reverse, values = bool(data["r"]), list(data["v"])
        except (UnicodeError, binascii.Error, ValueError, TypeError, KeyError):
            raise invalid from None
        if len(values) != len(self.fields):
            raise invalid
        model = queryset.model
        try:
            values = [model._meta.pk.to_python(value) if name in ("pk", "id")
                      else model._meta.get_field(name).to_python(value)
                      for (name, _desc), value in zip(self.fields, values, strict=True)]
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            raise invalid from None
        if any(value is None for value in values):
            raise invalid
        return reverse, values

    def _encode(self, reverse: bool, row) -> str:
        values = [_plain(getattr(row, name)) for name, _desc in self.fields]
        data = json.dumps({"r": reverse, "v": values}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode("ascii").rstrip("=")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        ordering = list(getattr(view, "keyset_ordering", None) or ["pk"])
        self.fields = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
        size = self.get_page_size(request)
        cursor = self._decode(request, queryset)
        reverse = bool(cursor and cursor[0])
        if reverse:
            flipped = [(name, not descending) for name, descending in self.fields]
            queryset = queryset.order_by(*[f"-{n}" if d else n for n, d in flipped]).filter(_after(flipped, cursor[1]))
        else:
            queryset = queryset.order_by(*ordering)
            if cursor:
                queryset = queryset.filter(_after(self.fields, cursor[1]))
        rows = list(queryset[:size + 1])
        more, page = len(rows) > size, rows[:size]
        if reverse:
            page.reverse()
            has_next, has_previous = True, more
        else:
            has_next, has_previous = more, cursor is not None
        self.next_cursor = self._encode(False, page[-1]) if has_next and page else None
        self.previous_cursor = self._encode(True, page[0]) if has_previous and page else None
        return page

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, cursor) if cursor else remove_query_param(url, CURSOR_PARAM)

    def get_paginated_response(self, data):
        return Response({"next": self._link(self.next_cursor), "previous": self._link(self.previous_cursor),
                         "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {"type": "object", "required": ["next", "previous", "results"],
                "properties": {"next": link, "previous": link, "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [
            {"name": CURSOR_PARAM, "required": False, "in": "query",
             "description": "The page to read: the cursor of a next or previous link.", "schema": {"type": "string"}},
            {"name": PAGE_SIZE_PARAM, "required": False, "in": "query",
             "description": f"Rows per page (default {DEFAULT_PAGE_SIZE}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        ]
