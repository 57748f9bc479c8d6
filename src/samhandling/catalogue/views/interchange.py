"""Views of the catalogue (interchange)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
