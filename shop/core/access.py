"""Who may see what. Operators are staff; vendors are users linked to Oscar partners."""

from django.contrib.auth.mixins import AccessMixin


def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def user_partner_ids(user) -> list[int]:
    if not (user and user.is_authenticated):
        return []
    cached = getattr(user, "_xh_partner_ids", None)
    if cached is None:
        cached = list(user.partners.values_list("pk", flat=True))
        user._xh_partner_ids = cached
    return cached


def is_vendor(user) -> bool:
    return bool(user_partner_ids(user)) and user.has_perm("partner.dashboard_access")


class OperatorRequiredMixin(AccessMixin):
    """Dashboard views for the mall's staff only."""

    def dispatch(self, request, *args, **kwargs):
        if not is_operator(request.user):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class VendorOrOperatorMixin(AccessMixin):
    """Dashboard views for operators and vendor users; querysets must still be scoped."""

    def dispatch(self, request, *args, **kwargs):
        if not (is_operator(request.user) or is_vendor(request.user)):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def nav_operator_only(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """``access_fn`` for OSCAR_DASHBOARD_NAVIGATION entries of operator-only pages."""
    return is_operator(user)


def nav_vendor_or_operator(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """``access_fn`` for OSCAR_DASHBOARD_NAVIGATION entries vendors may open too."""
    return is_operator(user) or is_vendor(user)
