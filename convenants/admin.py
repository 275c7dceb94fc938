from django.contrib import admin

from .models import ChainLink, Convenant, DeadlineRule


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    extra = 0
    ordering = ("position",)
    autocomplete_fields = ("organisation",)


class DeadlineRuleInline(admin.TabularInline):
    model = DeadlineRule
    extra = 0


@admin.register(Convenant)
class ConvenantAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "working_days", "retention_months", "valid_from", "valid_until")
    list_filter = ("municipality", "working_days")
    search_fields = ("name", "municipality")
    filter_horizontal = ("parties",)
    inlines = [ChainLinkInline, DeadlineRuleInline]
