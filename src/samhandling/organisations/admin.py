from django.contrib import admin

from .models import Membership, Organisation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ("code", "name", "kind", "country", "parent", "population")
    list_filter = ("kind", "country")
    search_fields = ("code", "name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "kind", "sector", "municipality")
    list_filter = ("kind", "sector")
    search_fields = ("name",)
    autocomplete_fields = ("municipality",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organisation", "role", "is_active")
    list_filter = ("role", "is_active")
    autocomplete_fields = ("user", "organisation")
