"""Site pages (联系我们, 帮助中心, 用户协议, 隐私政策, 入驻规则): public pages with the contact
details and the ICP 备案号 from settings, the page cache, and the operator's editor."""

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from shop.sitepages.content import DEFAULT_PAGES, SLUGS
from shop.sitepages.models import SitePage, SitePageEvent
from shop.sitepages.services import site_pages_install_defaults
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user

pytestmark = pytest.mark.django_db

CONTACT = {
    "MALL_HOTLINE": "0731-7654321",
    "MALL_SERVICE_EMAIL": "kefu@mall.example",
    "MALL_COMPANY_ADDRESS": "长沙市示例路 1 号",
    "MALL_ICP": "湘ICP备12345678号-1",
    "MALL_ICP_URL": "https://beian.miit.gov.cn/",
}


@pytest.fixture(autouse=True)
def pages():
    site_pages_install_defaults()


def text_of(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def page_url(slug: str) -> str:
    return reverse("sitepages:page", kwargs={"slug": slug})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- public pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_each_standard_page_opens_for_anonymous_visitors_with_its_text(slug):
    # when a visitor who is not signed in opens the page
    response = Client().get(page_url(slug))
    # then it is the page in the storefront layout, with every standard page in its side menu
    assert response.status_code == 200
    title, body = DEFAULT_PAGES[slug]
    html = response.content.decode()
    assert f"<title>{title} |" in html
    assert f"<h1>{title}</h1>" in html
    first_paragraph = body.split("\n")[0]
    assert first_paragraph in text_of(response)
    menu = html.split('id="site-pages-nav"')[1].split("</div>")[0]
    assert re.findall(r">([^<]+)</a>", menu) == [DEFAULT_PAGES[s][0] for s in SLUGS]


def test_headings_and_lists_of_a_page_are_rendered():
    html = Client().get(page_url("help")).content.decode()
    assert '<h2 class="h5 mt-4">询价与下单</h2>' in html
    assert "<li>使用单位邮箱注册账号并登录。</li>" in html


def test_contact_page_shows_hotline_email_and_address_from_settings():
    with override_settings(**CONTACT):
        text = text_of(Client().get(page_url("contact")))
    assert "服务热线： 0731-7654321" in text  # the number is set in bold
    assert "客服邮箱： kefu@mall.example" in text
    assert "地址：长沙市示例路 1 号" in text


@override_settings(MALL_HOTLINE="", MALL_SERVICE_EMAIL="", MALL_COMPANY_ADDRESS="", MALL_CONTACT_NAME="")
def test_contact_page_says_so_while_no_contact_detail_is_set():
    response = Client().get(page_url("contact"))
    assert response.status_code == 200
    assert "客服联系方式尚未公布。" in text_of(response)
    assert "服务热线" not in text_of(response)


def test_footer_links_the_pages_and_shows_hotline_and_icp_from_settings():
    # given contact details and an ICP number in settings
    with override_settings(**CONTACT):
        html = Client().get(page_url("help")).content.decode()
    footer = html.split('<footer class="xh-footer">')[1]
    # then the footer links every site page and shows the hotline and the ICP number with its link
    for slug in SLUGS:
        assert f'href="{page_url(slug)}"' in footer
    assert "<strong>0731-7654321</strong>" in footer
    assert (
        '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener noreferrer" id="footer-icp">'
        "湘ICP备12345678号-1</a>"
    ) in footer

    # when settings name another number (a new deployment; cached pages are rendered again)
    cache.clear()
    with override_settings(MALL_HOTLINE="0731-1111111", MALL_ICP="湘ICP备87654321号"):
        footer = Client().get(page_url("help")).content.decode().split('<footer class="xh-footer">')[1]
    # then the footer shows the new values only
    assert "<strong>0731-1111111</strong>" in footer
    assert ">湘ICP备87654321号</a>" in footer
    assert "0731-7654321" not in footer and "12345678" not in footer

    # and without an ICP number there is no empty link
    cache.clear()
    with override_settings(MALL_ICP=""):
        footer = Client().get(page_url("help")).content.decode().split('<footer class="xh-footer">')[1]
    assert 'id="footer-icp"' not in footer


def test_an_unknown_page_is_the_chinese_404():
    response = Client().get(page_url("no-such-page"))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_site_page_costs_two_queries_once_and_none_from_the_cache(django_assert_num_queries):
    # given the category menu fragment is already cached (every storefront page shares it)
    Client().get(page_url("terms"))
    # when a visitor opens another page for the first time: the page and the side menu
    with django_assert_num_queries(2):
        first = Client().get(page_url("privacy"))
    # and again: the shared copy from the cache, no query at all
    with django_assert_num_queries(0):
        again = Client().get(page_url("privacy"))
    assert (first["X-Storefront-Cache"], again["X-Storefront-Cache"]) == ("miss", "hit")
    assert again.content.decode().count("<h1>隐私政策</h1>") == 1


# --- the operator's editor ----------------------------------------------------------------------


def test_operator_edits_a_page_and_visitors_see_it_at_once():
    # given the terms page in the page cache
    operator = OperatorFactory()
    assert Client().get(page_url("terms"))["X-Storefront-Cache"] in ("miss", "hit")
    assert Client().get(page_url("terms"))["X-Storefront-Cache"] == "hit"
    client = signed_in(operator)
    # when the operator opens the editor and saves a new title and body
    form = client.get(reverse("sitepages:dashboard-edit", kwargs={"slug": "terms"}))
    assert form.status_code == 200
    assert "欢迎使用湘慧商城" in form.content.decode()
    response = client.post(
        reverse("sitepages:dashboard-edit", kwargs={"slug": "terms"}),
        {"title": "  用户服务协议 ", "body": "## 总则\n- 第 1 条\n\n<b>不是 HTML</b>"},
    )
    # then the list follows with a message, the page is saved and one event names the operator
    assert response.status_code == 302
    assert response["Location"] == reverse("sitepages:dashboard-list")
    page = SitePage.objects.get(slug="terms")
    assert (page.title, page.body) == ("用户服务协议", "## 总则\n- 第 1 条\n\n<b>不是 HTML</b>")
    assert list(SitePageEvent.objects.values_list("page__slug", "actor", "kind")) == [
        ("terms", operator.pk, "edited")
    ]
    listing = client.get(reverse("sitepages:dashboard-list")).content.decode()
    assert "页面“用户服务协议”已保存。" in listing
    # and an anonymous visitor sees the new text straight away, escaped
    html = Client().get(page_url("terms")).content.decode()
    assert "<h1>用户服务协议</h1>" in html
    assert (
        '<h2 class="h5 mt-4">总则</h2>\n<ul><li>第 1 条</li></ul>\n<p>&lt;b&gt;不是 HTML&lt;/b&gt;</p>'
        in html
    )
    assert "欢迎使用湘慧商城" not in html


def test_saving_a_page_unchanged_writes_no_event():
    client = signed_in(OperatorFactory())
    title, body = DEFAULT_PAGES["help"]
    response = client.post(
        reverse("sitepages:dashboard-edit", kwargs={"slug": "help"}), {"title": title, "body": body}
    )
    assert response.status_code == 302
    assert SitePageEvent.objects.count() == 0


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"title": "", "body": "正文"}, "title", "请填写标题。"),
        ({"title": "   ", "body": "正文"}, "title", "请填写标题。"),
        ({"title": "标题", "body": " \n "}, "body", "请填写正文。"),
        ({"title": "标" * 101, "body": "正文"}, "title", "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
        (
            {"title": "标题", "body": "字" * 20001},
            "body",
            "确保该变量包含不超过 20000 字符 (目前字符数 20001)。",
        ),
    ],
)
def test_a_bad_edit_is_refused_in_chinese_and_changes_nothing(data, field, message):
    client = signed_in(OperatorFactory())
    before = SitePage.objects.get(slug="privacy")
    response = client.post(reverse("sitepages:dashboard-edit", kwargs={"slug": "privacy"}), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "页面没有保存，请按提示修改。" in html
    after_field = html.split(f'name="{field}"')[1].split('class="form-group"')[0]
    assert f'<div class="invalid-feedback d-block">{message}</div>' in after_field
    after = SitePage.objects.get(slug="privacy")
    assert (after.title, after.body, after.updated_at) == (before.title, before.body, before.updated_at)
    assert SitePageEvent.objects.count() == 0


def test_the_dashboard_menu_links_the_editor_for_operators_only():
    edit_list = reverse("sitepages:dashboard-list")
    operator_page = signed_in(OperatorFactory()).get(reverse("dashboard:index")).content.decode()
    assert f'href="{edit_list}"' in operator_page
    vendor, _partner = make_vendor_user()
    vendor_page = signed_in(vendor).get(reverse("dashboard:index")).content.decode()
    assert f'href="{edit_list}"' not in vendor_page


def test_the_list_shows_every_page_with_its_edit_link():
    html = signed_in(OperatorFactory()).get(reverse("sitepages:dashboard-list")).content.decode()
    for slug in SLUGS:
        assert f'href="{reverse("sitepages:dashboard-edit", kwargs={"slug": slug})}"' in html
        assert DEFAULT_PAGES[slug][0] in html


@pytest.mark.parametrize("who", ["buyer", "vendor"])
def test_buyers_and_vendors_get_the_chinese_403_and_change_nothing(who):
    user = UserFactory() if who == "buyer" else make_vendor_user()[0]
    client = signed_in(user)
    before = SitePage.objects.get(slug="contact")
    for response in (
        client.get(reverse("sitepages:dashboard-list")),
        client.get(reverse("sitepages:dashboard-edit", kwargs={"slug": "contact"})),
        client.post(
            reverse("sitepages:dashboard-edit", kwargs={"slug": "contact"}), {"title": "改", "body": "改"}
        ),
    ):
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()
    assert SitePage.objects.get(slug="contact").title == before.title
    assert SitePageEvent.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login_page_and_change_nothing():
    response = Client().post(
        reverse("sitepages:dashboard-edit", kwargs={"slug": "contact"}), {"title": "改", "body": "改"}
    )
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert SitePage.objects.get(slug="contact").title == "联系我们"


def test_an_operator_editing_an_unknown_page_gets_the_chinese_404():
    response = signed_in(OperatorFactory()).get(
        reverse("sitepages:dashboard-edit", kwargs={"slug": "no-such-page"})
    )
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_installing_the_defaults_never_overwrites_an_edited_page():
    SitePage.objects.filter(slug="help").update(title="采购帮助")
    SitePage.objects.filter(slug="privacy").delete()
    assert site_pages_install_defaults() == ["privacy"]
    assert SitePage.objects.get(slug="help").title == "采购帮助"
    assert SitePage.objects.get(slug="privacy").title == "隐私政策"


def test_the_data_migration_creates_the_five_pages_with_their_texts():
    # given a database without site pages
    from importlib import import_module

    from django.apps import apps

    SitePage.objects.all().delete()
    migration = import_module("shop.sitepages.migrations.0002_default_pages")
    # when the migration's step runs (make run's migrate, a new production database)
    migration.create_pages(apps, None)
    # then the five pages exist with the standard titles and bodies
    assert list(SitePage.objects.order_by("pk").values_list("slug", "title", "body")) == [
        (slug, *DEFAULT_PAGES[slug]) for slug in SLUGS
    ]


def test_a_signed_in_buyer_sees_the_page_with_their_own_header():
    buyer = UserFactory(email="caigou@example.com")
    anonymous = Client().get(page_url("help"))  # the shared copy is in the cache
    assert "退出" not in anonymous.content.decode()
    response = signed_in(buyer).get(page_url("help"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>帮助中心</h1>" in html
    assert "退出" in html  # the buyer's account links, not the anonymous ones
