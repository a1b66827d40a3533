"""The access log in the admin: read-only, filterable, exportable as CSV (the export is logged too)."""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from .models import AccessAction, AccessLog
from .services import access_log_record

CSV_FIELDS = [
    "at",
    "user_id",
    "username",
    "role",
    "ip_address",
    "action",
    "call_id",
    "recording_id",
    "target",
    "detail",
    "path",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value):
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(…)") is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def access_log_csv(rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel reads the Korean text as UTF-8
        yield writer.writerow(CSV_FIELDS)
        for row in rows.values_list(*CSV_FIELDS).iterator(chunk_size=2000):
            yield writer.writerow([timezone.localtime(row[0]).isoformat(), *map(_cell, row[1:])])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "role", "ip_address", "action", "call_id", "recording_id", "target")
    list_filter = ("action", "role", ("at", admin.DateFieldListFilter))
    search_fields = ("username", "=call_id", "=ip_address", "target", "detail")
    date_hierarchy = "at"
    list_per_page = 100
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name="privacy_accesslog_export")
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest):
        """The rows the change list shows with the same filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = self.get_changelist_instance(request).get_queryset(request)
        access_log_record(action=AccessAction.ACCESS_LOG_EXPORT, request=request, detail=request.GET.urlencode()[:1000])
        return access_log_csv(rows)
