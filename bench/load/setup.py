"""Run inside our `manage.py shell` before the load test: the accounts and URLs locust uses.

Creates buyers (load-buyer-N) and vendor users of the catalogue's seller, all with the password
in $LOAD_PASSWORD, and writes $LOAD_OUT (JSON): logins, page paths, quotable and OEM products."""

import json
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")

password = os.environ["LOAD_PASSWORD"]
User = get_user_model()


def account(username: str):
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
    user.set_password(password)
    user.save()
    return user


buyers = [account(f"load-buyer-{n}").email for n in range(1, int(os.environ.get("LOAD_BUYERS", "40")) + 1)]
seller = Partner.objects.get(code="xianghui")
access = Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
vendors = []
for n in range(1, 4):
    user = account(f"load-vendor-{n}")
    user.user_permissions.add(access)
    seller.users.add(user)
    vendors.append(user.email)

browsable = Product.objects.filter(is_public=True, parent__isnull=True).exclude(structure="child")
quotable = [
    {"pk": p.pk, "url": p.get_absolute_url()}
    for p in browsable.filter(stockrecords__partner=seller).distinct().order_by("pk")[:30]
]
oem = [
    {"pk": p.pk, "moq": max(p.oem_min_quantity or 1, 1)}
    for p in browsable.filter(
        Q(stockrecords__partner=seller) | Q(children__stockrecords__partner=seller), supports_oem=True
    )
    .exclude(oem_customisations=[])
    .distinct()
    .order_by("pk")[:10]
]
products = [p.get_absolute_url() for p in browsable.order_by("pk")[:200]]
categories = [c.get_absolute_url() for c in Category.objects.filter(depth__lte=2)[:30]]
search = reverse("search:search")
out = {
    "buyers": buyers,
    "vendors": vendors,
    "quotable": quotable,
    "oem": oem,
    "products": products,
    "categories": categories,
    "searches": [f"{search}?q={q}" for q in ("会议一体机", "麒麟", "信创", "LED", "XH-0000042", "城市大脑")],
}
with open(os.environ["LOAD_OUT"], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
print(f"{len(buyers)} buyers, {len(vendors)} vendors, {len(quotable)} quotable, {len(oem)} OEM products")
