"""The form pages a crawl with empty sessions cannot reach (a quote list must hold something
first) carry the CSP header and no inline script either."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.quotes import make_vendor, stocked_product

from .crawl import inline_scripts

pytestmark = pytest.mark.django_db


def test_the_quote_submit_form_with_a_filled_list_has_no_inline_script():
    partner, _ = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    client = Client()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 2})
    for url in (reverse("quotes:list"), reverse("quotes:submit"), product.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<form" in html
        assert inline_scripts(html) == [], url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert (
            "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        )


def test_the_scanner_finds_what_csp_would_block():
    assert inline_scripts('<script src="/static/a.js"></script><p>x</p>') == []
    assert inline_scripts('<script type="application/json">{"a": 1}</script>') == []
    assert len(inline_scripts("<script>alert(1)</script>")) == 1
    assert len(inline_scripts('<a href="#" onclick="x()">x</a>')) == 1
    assert len(inline_scripts('<a href="javascript:x()">x</a>')) == 1
    assert len(inline_scripts('<img src="x" onerror="y()">')) == 1
