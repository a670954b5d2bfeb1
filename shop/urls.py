import re

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from shop.core import media

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", include("shop.core.urls")),  # load balancer: liveness and readiness
    path("admin/", admin.site.urls),
    path("api/", include("shop.api.urls")),
    path("quotes/", include("shop.quotes.urls")),
    path("oem/", include("shop.oem.urls")),
    path("vendors/", include("shop.vendors.urls")),
    path("payments/", include("shop.payments.urls")),
    path("buyers/", include("shop.buyers.urls")),
    path("sourcing/", include("shop.sourcing.urls")),  # a unit's 网上询价 and 反向竞价
    path("fulfilment/", include("shop.fulfilment.urls")),  # the buyer's 履约验收
    path("notices/", include("shop.notices.urls")),  # the public 采购公告
    path("contracts/", include("shop.contracts.urls")),  # 采购合同 of the buyer (unit)
    path("financing/", include("shop.financing.urls")),  # 规划融资 applications, 自由职业 enquiries
    path("outsourcing/", include("shop.outsourcing.urls")),  # 人才开发外包: requests, proposals, months
    path("consulting/", include("shop.consulting.urls")),  # 政企咨询服务 engagements of the buyer (unit)
    path("partners/", include("shop.partners.urls")),  # 合作伙伴 per region (public) and applications
    path("callbacks/", include("shop.callbacks.urls")),  # 预约咨询 call-backs
    path("suppliers/", include("shop.credit.urls")),  # public vendor pages and ratings
    path("", include("shop.sitepages.urls")),  # /pages/<slug>/ and /dashboard/site-pages/
    path("", include("shop.storefront.urls")),  # the home page
    path("", include(apps.get_app_config("oscar").urls[0])),
]

# Uploaded public media (product images …): streamed from the default storage (local disk or,
# with STORAGE_BACKEND=s3, the private bucket: pages link to our own origin only). A web
# server in front may serve /media/ itself. Private uploads are never in this storage.
urlpatterns += [
    re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", media.public_media, name="media")
]

# Chinese error pages (DEBUG off): 400/403/404 inside the storefront's layout, 500 static.
handler400 = "shop.core.errors.bad_request"
handler403 = "shop.core.errors.permission_denied"
handler404 = "shop.core.errors.page_not_found"
handler500 = "shop.core.errors.server_error"
