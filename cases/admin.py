from django.contrib import admin

from .models import AccessLog, Case, Escalation, Tenant
from .services.access import record_access_many


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the case services; the admin shows them for support, it does not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LoggedReadsAdmin(ReadOnlyAdmin):
    """The changelist and the change view show personal data: both write the access log (a list read of every
    case on the page, a detail read of the one opened), like the application's own pages."""

    def case_ids(self, objects) -> list[int]:
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            record_access_many(request.user, self.case_ids(changelist.result_list), AccessLog.What.LIST)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and original is not None:
            record_access_many(request.user, self.case_ids([original]), AccessLog.What.DETAIL)
        return response


@admin.register(Case)
class CaseAdmin(LoggedReadsAdmin):
    list_display = ("id", "status", "corporation", "holder", "convenant", "opened_at", "deadline_kind", "deadline_at")
    list_filter = ("status", "deadline_kind", "convenant")
    list_select_related = ("corporation", "holder", "convenant")
    show_full_result_count = False

    def case_ids(self, objects):
        return [case.pk for case in objects]


@admin.register(Tenant)
class TenantAdmin(LoggedReadsAdmin):
    list_display = ("id", "corporation", "contract_ref", "postcode", "house_number")
    list_select_related = ("corporation",)
    show_full_result_count = False

    def case_ids(self, objects):
        # A tenant is read as part of each of its cases.
        return list(Case.objects.filter(tenant__in=list(objects)).values_list("pk", flat=True))


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("id", "case_id", "deadline_kind", "action", "escalated_at", "from_organisation", "to_organisation")
    list_filter = ("deadline_kind", "action")
    list_select_related = ("from_organisation", "to_organisation")
    show_full_result_count = False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "organisation", "case_id", "what", "hour")
    list_filter = ("what",)
    list_select_related = ("user", "organisation")
    show_full_result_count = False
