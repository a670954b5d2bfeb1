"""Oscar's partner dashboard (operators only): linking a user to a partner is a POST.

Oscar also links on GET (for an "undo" link in a message), so a crafted link or prefetch could
give someone a vendor's dashboard access. The unlink message has no undo link here."""

from oscar.apps.dashboard.partners import views as oscar_views
from oscar.apps.dashboard.partners.views import *  # noqa: F401,F403


class PartnerUserLinkView(oscar_views.PartnerUserLinkView):
    http_method_names = ["post"]
