from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from . import selectors
from .cache import STOREFRONT_PAGE, cached_fragment


@method_decorator(STOREFRONT_PAGE, name="dispatch")
class HomeView(TemplateView):
    """The home page: hero and the twelve top-level categories with their products."""

    template_name = "oscar/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["home_html"] = cached_fragment(
            "home",
            (),
            lambda: render_to_string(
                "oscar/partials/home_categories.html", {"home_categories": selectors.home_categories()}
            ),
        )
        return ctx
