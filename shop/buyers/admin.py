from django.contrib import admin

from .models import BuyingUnit, UnitEvent, UnitInvitation, UnitMember


class UnitMemberInline(admin.TabularInline):
    model = UnitMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["joined_at", "deactivated_at"]


@admin.register(BuyingUnit)
class BuyingUnitAdmin(admin.ModelAdmin):
    list_display = ["org_name", "org_uscc", "org_type", "province", "city", "created_at"]
    search_fields = ["org_name", "org_uscc"]
    inlines = [UnitMemberInline]


@admin.register(UnitInvitation)
class UnitInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "unit", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["unit", "invited_by", "accepted_by"]


@admin.register(UnitEvent)
class UnitEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "unit", "kind", "actor", "note"]
    list_filter = ["kind"]
    raw_id_fields = ["unit", "member", "invitation", "actor"]
