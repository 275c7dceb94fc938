from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import BusinessError

from . import second_factor, services, tokens
from .models import ApiToken, Membership, Organisation, SecurityEvent


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


class ServiceTokenForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=settings.SERVICE_TOKEN_MAX_DAYS,
        initial=settings.SERVICE_TOKEN_TTL_DAYS,
    )

    class Meta:
        model = ApiToken
        fields = ("name", "organisation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["organisation"].required = True


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Service tokens are made here (the key is shown once); a personal token only through its user's password
    (and second factor), never here. Deleting a token revokes it at once."""

    list_display = ("__str__", "organisation", "user", "created", "expiry", "second_factor")
    list_filter = ("organisation",)
    search_fields = ("name", "user__username", "organisation__name")
    fields = ("name", "organisation", "user", "created", "expiry", "second_factor")
    readonly_fields = ("name", "organisation", "user", "created", "expiry", "second_factor")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ServiceTokenForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("name", "organisation", "days") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            token, key = tokens.create_service_token(
                name=form.cleaned_data["name"], organisation=form.cleaned_data["organisation"],
                days=form.cleaned_data["days"],
            )
        except BusinessError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = token.pk
        messages.warning(request, _("The key of service token %(name)s (shown only now): %(key)s")
                         % {"name": token.name, "key": key})

    def delete_model(self, request, obj):
        if obj.is_service:
            tokens.revoke_service_token(digest=obj.digest)
        else:
            tokens.revoke_token(user=obj.user, digest=obj.digest)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            self.delete_model(request, token)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only."""

    list_display = ("at", "kind", "username", "ip_address", "object_repr")
    list_filter = ("kind",)
    search_fields = ("username", "object_repr", "ip_address")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)

UserModel = get_user_model()
if admin.site.is_registered(UserModel):
    admin.site.unregister(UserModel)


@admin.register(UserModel)
class ProductUserAdmin(UserAdmin):
    actions = ["remove_second_factor"]

    @admin.action(description=_("Remove the second factor (the user sets it up again at the next sign-in)"))
    def remove_second_factor(self, request, queryset):
        for user in queryset:
            second_factor.reset(user=user)
        messages.success(request, _("The second factor is removed for %(count)d users.") % {"count": len(queryset)})
