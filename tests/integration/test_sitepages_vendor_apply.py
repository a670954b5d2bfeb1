"""供应商入驻 and the site pages: the form links the 入驻规则, a form sent back with errors keeps
what was typed (files and passwords excepted, with a note) and costs nothing against the rate
limit, while successful applications do count."""

import html as html_lib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from shop.sitepages.services import site_pages_install_defaults
from shop.vendors.models import VendorApplication
from tests.factories.vendors import PDF_BYTES, application_data

pytestmark = pytest.mark.django_db

APPLY = "/vendors/apply/"


def licence():
    return SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")


def test_the_application_form_links_the_vendor_rules_page():
    site_pages_install_defaults()
    html = Client().get(APPLY).content.decode()
    rules = reverse("sitepages:page", kwargs={"slug": "vendor-rules"})
    assert (
        f'<a href="{rules}" target="_blank" rel="noopener" id="vendor-rules-link">阅读《入驻规则》</a>'
        in html
    )
    assert f'<a href="{rules}">查看完整的入驻规则</a>' in html
    # and the link leads to the rules
    page = Client().get(rules)
    assert page.status_code == 200
    assert "<h1>入驻规则</h1>" in page.content.decode()


def test_a_form_with_errors_shows_again_what_was_typed_and_asks_for_the_file_again():
    # given an application with a wrong mobile number and a licence file
    data = application_data(mobile="12345", business_scope="智慧交通设备销售；\n系统集成。")
    # when it is submitted
    response = Client().post(APPLY, {**data, "licence": licence()})
    # then the form comes back with the error and every typed value
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="form-errors"' in html
    for name in ("company_name", "uscc", "legal_representative", "contact_name", "email", "account_email"):
        assert f'name="{name}" value="{html_lib.escape(data[name])}"' in html, name
    assert 'name="mobile" value="12345"' in html
    assert ">\n智慧交通设备销售；\n系统集成。</textarea>" in html
    assert f'name="categories" value="{data["categories"][0]}"' in html
    assert html.split(f'value="{data["categories"][0]}"')[1].split(">")[0].strip().endswith("checked")
    assert 'name="agree"' in html and "checked" in html.split('name="agree"')[1].split(">")[0]
    # except the file and the passwords, which the browser cannot be sent back: a Chinese note says so
    assert "请重新选择营业执照文件后再提交，其他已填写的内容已保留。" in html
    assert "登录密码不会保留，请重新输入。" in html
    assert data["password1"] not in html
    assert VendorApplication.objects.count() == 0


def test_a_fresh_form_has_no_note_about_files():
    html = Client().get(APPLY).content.decode()
    assert 'id="licence-reselect"' not in html
    assert 'id="password-retype"' not in html


def test_invalid_applications_cost_nothing_and_successful_ones_are_limited():
    # given at most 2 successful applications per hour from one address
    with override_settings(RATE_LIMITS={"vendors:apply": "2/h"}):
        # when the same address sends five applications with errors
        invalid = [
            Client().post(APPLY, {**application_data(uscc="91430100MA4L12345B"), "licence": licence()})
            for _ in range(5)
        ]
        # then each comes back with its error, none is refused
        assert [r.status_code for r in invalid] == [200] * 5
        assert all("统一社会信用代码" in r.content.decode() for r in invalid)
        # when two valid applications follow, then both are accepted
        valid = [Client().post(APPLY, {**application_data(), "licence": licence()}) for _ in range(2)]
        assert [r.status_code for r in valid] == [302, 302]
        assert VendorApplication.objects.count() == 2
        # and the third successful one in the hour is refused with the Chinese page, saving nothing
        third = Client().post(APPLY, {**application_data(), "licence": licence()})
        assert third.status_code == 429
        assert "请求过于频繁" in third.content.decode()
        assert VendorApplication.objects.count() == 2
