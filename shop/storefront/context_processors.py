"""``num_unread_notifications`` for every template, from the visitor's cached header counts
(Oscar's own context processor counts them with a query on every page)."""

from django.utils.functional import SimpleLazyObject

from .personal import visitor_for


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "num_unread_notifications": SimpleLazyObject(lambda: visitor_for(request).counts.unread_notifications)
    }
