"""Dashboard URLs, included under the ``dashboard`` namespace by shop.apps.dashboard."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
