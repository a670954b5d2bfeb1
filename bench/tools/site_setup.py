"""Run inside a shop's `manage.py shell` (ours or the stock-Oscar peer; Django and Oscar only).

Creates the benchmark buyer, logs it in once and writes JSON to $BENCH_OUT: the cookies for
wrk (the session's, and a CSRF cookie, as the browser that signed in holds one from the login
page) and the page paths to measure, resolved on this shop's own URLs (so the same
category, product and queries are measured on both)."""

import json
import os
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

User = get_user_model()
user, _ = User.objects.get_or_create(username="benchbuyer", defaults={"email": "benchbuyer@example.com"})
user.set_password(os.environ.get("BENCH_PASSWORD", "bench-only-password"))
user.save()
client = Client()
client.force_login(user)
session = client.cookies[settings.SESSION_COOKIE_NAME].value

products = Product.objects.filter(upc__startswith="XH-").order_by("upc")
product = products[products.count() // 2]
category = (
    Category.objects.filter(name="会议一体机标准版").first() or Category.objects.order_by("path").last()
)
search = reverse("search:search")
pages = {
    "home": "/",
    "catalogue": reverse("catalogue:index"),
    "category": category.get_absolute_url(),
    # the category filtered by a price range (a facet link; stock Oscar ignores the parameter)
    "category 筛选": category.get_absolute_url() + "?price=10000-50000",
    "product": product.get_absolute_url(),
    "search 会议一体机": f"{search}?q={quote('会议一体机')}",
    "search 麒麟": f"{search}?q={quote('麒麟')}",
    f"search {product.upc}": f"{search}?q={quote(product.upc)}",
}
out = {
    "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}",
    "pages": pages,
    "product_id": product.pk,
    "products": Product.objects.count(),
}
with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False, indent=1)
print(json.dumps(out, ensure_ascii=False))
