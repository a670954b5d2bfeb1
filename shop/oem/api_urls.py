"""API URLs, included under /api/ by shop.api.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
