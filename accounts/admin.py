from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminLoginForm
from accounts.models import Address, LoginThrottle, PaymentMethod, User
from audit.links import audit_history_url
from shopwave.admin import LargeTablePaginator, ilike_contains

admin.site.login_form = AdminLoginForm
admin.site.site_header = "ShopWave back office"
admin.site.site_title = "ShopWave back office"
admin.site.index_title = "Run the shop"


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = readonly_fields = ("label", "full_name", "line1", "city", "postal_code", "country", "is_default")
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class PaymentMethodInline(admin.TabularInline):
    model = PaymentMethod
    extra = 0
    fields = readonly_fields = ("brand", "last4", "exp_month", "exp_year", "cardholder_name", "is_default")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    # A million accounts: no exact count or facet counts (shopwave.admin.LargeTableAdmin).
    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ["last_login", "date_joined", "audit_history"]
    inlines = [AddressInline, PaymentMethodInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "audit_history")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """Part of an email or a name, case-insensitive, along the trigram indexes of
        accounts 0013 (Django's icontains compares UPPER(column), which walked all 1 M
        accounts for a substring nobody has: 3.6 s at full scale). Also the user
        autocomplete of the other admins."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(ilike_contains("email", term) | ilike_contains("full_name", term)), False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Accounts are deactivated, never deleted: orders and the audit trail refer to them.
        return False

    @admin.display(description="Audit history")
    def audit_history(self, obj):  # type: ignore[no-untyped-def]
        if obj is None or not obj.pk:
            return "—"
        return format_html('<a href="{}">History in the audit log</a>', audit_history_url("accounts_user", str(obj.pk)))


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["scope", "subject", "failures", "window_started_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["subject"]
    readonly_fields = ["scope", "subject", "failures", "window_started_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Unlock the selected keys")
    def unlock(self, request, queryset):  # type: ignore[no-untyped-def]
        count = queryset.update(failures=0, locked_until=None)
        self.message_user(request, f"Unlocked {count} key(s).")
