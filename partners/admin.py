from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from config.errors import BusinessError

from . import services
from .models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "municipality", "member_count")
    list_filter = ("kind", "municipality")
    search_fields = ("name", "municipality")
    fields = ("name", "kind", "municipality", "email")
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            created = services.create_organisation(
                name=obj.name, kind=obj.kind, municipality=obj.municipality, email=obj.email
            )
        except BusinessError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = created.pk
        obj.group_id = created.group_id
        obj.managers_group_id = created.managers_group_id


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation__kind", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name")
    autocomplete_fields = ("user", "organisation")

    def save_model(self, request, obj, form, change):
        services.set_membership(user=obj.user, organisation=obj.organisation, role=obj.role)
        obj.pk = Membership.objects.get(user=obj.user).pk

    def delete_model(self, request, obj):
        services.remove_membership(user=obj.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            services.remove_membership(user=membership.user)
