from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorsConfig(AppConfig):
    name = "shop.vendors"
    label = "vendors"
    verbose_name = _("供应商")

    def ready(self):
        from django.conf import settings

        from shop.core.access import nav_operator_only, nav_vendor_or_operator

        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if any(item.get("xh_section") == "vendors" for item in nav):
            return
        nav.append(
            {
                "label": _("供应商"),
                "icon": "fas fa-store",
                "xh_section": "vendors",
                "access_fn": nav_vendor_or_operator,
                "children": [
                    {
                        "label": _("入驻申请"),
                        "url_name": "dashboard:vendors-application-list",
                        "access_fn": nav_operator_only,
                    },
                    {
                        "label": _("商品审核"),
                        "url_name": "dashboard:vendors-product-review-list",
                        "access_fn": nav_operator_only,
                    },
                    {
                        "label": _("批量上架"),
                        "url_name": "dashboard:vendors-import-list",
                        "access_fn": nav_vendor_or_operator,
                    },
                ],
            }
        )
