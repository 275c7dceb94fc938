from django.contrib import admin

from .models import AccessLog, Case, Escalation, Tenant


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the case services; the admin shows them for support, it does not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "corporation", "holder", "convenant", "opened_at", "deadline_kind", "deadline_at")
    list_filter = ("status", "deadline_kind", "convenant")
    list_select_related = ("corporation", "holder", "convenant")
    show_full_result_count = False


@admin.register(Tenant)
class TenantAdmin(ReadOnlyAdmin):
    list_display = ("id", "corporation", "contract_ref", "postcode", "house_number")
    list_select_related = ("corporation",)
    show_full_result_count = False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("id", "case_id", "deadline_kind", "action", "escalated_at", "from_organisation", "to_organisation")
    list_filter = ("deadline_kind", "action")
    list_select_related = ("from_organisation", "to_organisation")
    show_full_result_count = False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "organisation", "case_id", "what")
    list_filter = ("what",)
    list_select_related = ("user", "organisation")
    show_full_result_count = False
