"""Chinese error pages (shop/core/errors.py): 400/403/404 inside the storefront's layout, 500
without request or database; make run's dev settings run with DEBUG off and still serve media."""

import json
import subprocess
import sys

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver, path

from shop.core import exceptions as domain
from shop.urls import handler400, handler403, handler404, handler500  # noqa: F401  (this module is a URLconf too)
from shop.urls import urlpatterns as site_urlpatterns
from tests.conftest import ROOT, subprocess_env
from tests.factories.accounts import UserFactory

LAYOUT = ('class="xh-header"', 'class="xh-footer"', "全部商品")


def _handler(status):
    return get_resolver().resolve_error_handler(status)


@pytest.mark.django_db
def test_an_unknown_url_is_the_chinese_404_inside_the_layout():
    # when a visitor opens a URL that does not exist (DEBUG off)
    response = Client().get("/no-such-page/")
    # then the page is the Chinese 404 inside the storefront's header, menu and footer
    html = response.content.decode()
    assert response.status_code == 404
    assert "<title>页面不存在 |" in html
    assert "您访问的页面不存在或已被删除" in html
    for marker in LAYOUT:
        assert marker in html
    assert "Not Found" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status,heading",
    [(400, "请求有误"), (403, "无权访问"), (404, "页面不存在")],
)
def test_the_400_403_and_404_handlers_render_chinese_inside_the_layout(status, heading):
    # given a signed-in buyer's request
    request = RequestFactory().get("/somewhere/")
    request.user = UserFactory()
    request.session = {}
    # when the configured handler answers it
    response = _handler(status)(request, Exception("x"))
    html = response.content.decode()
    # then the status, the Chinese heading and the layout (with the buyer's account links)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    for marker in LAYOUT:
        assert marker in html
    assert "退出" in html


def test_the_500_handler_renders_chinese_without_request_or_database():
    # given no database access at all (this test is not allowed any) and no request context
    # when the 500 handler renders
    response = _handler(500)(RequestFactory().get("/"))
    html = response.content.decode()
    # then it is the Chinese page in the storefront's look
    assert response.status_code == 500
    assert "<h1>服务器内部错误</h1>" in html
    assert "<title>服务器内部错误 - 湘慧商城</title>" in html
    assert "shop/css/storefront.css" in html
    assert 'class="xh-header"' in html


@pytest.mark.django_db
def test_a_bad_host_header_gets_the_chinese_400_page():
    response = Client(HTTP_HOST="evil.example").get("/")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()


DEV_PROBE = r"""
import json, django
django.setup()
from pathlib import Path
from django.conf import settings
from django.test import Client
image = Path(settings.MEDIA_ROOT) / "images" / "probe.txt"
image.parent.mkdir(parents=True, exist_ok=True)
image.write_text("product image")
c = Client()
r = c.get("/no-such-page/")
m = c.get("/media/images/probe.txt")
p = c.get("/media/../settings.py")
print("PROBE" + json.dumps({"debug": settings.DEBUG, "status": r.status_code, "html": r.content.decode(),
    "media": [m.status_code, b"".join(m.streaming_content).decode() if m.status_code == 200 else ""],
    "escape": p.status_code}))
"""


def _dev(tmp_path, **extra):
    env = subprocess_env(DJANGO_SETTINGS_MODULE="shop.settings.dev", MEDIA_ROOT=tmp_path / "media", **extra)
    env.pop("DJANGO_DEBUG", None)
    env.update({k: str(v) for k, v in extra.items()})
    done = subprocess.run(
        [sys.executable, "-c", DEV_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.split("PROBE", 1)[1])


@pytest.mark.django_db(transaction=True)
def test_make_run_settings_have_debug_off_a_chinese_404_and_media(tmp_path):
    # given make run's settings with nothing set
    out = _dev(tmp_path)
    # then DEBUG is off, a missing page is the Chinese 404 in the layout (not Django's debug page)
    assert out["debug"] is False
    assert out["status"] == 404
    assert "页面不存在" in out["html"]
    assert 'class="xh-header"' in out["html"]
    assert "Page not found" not in out["html"]
    # and uploaded product images are still served, nothing outside MEDIA_ROOT
    assert out["media"] == [200, "product image"]
    assert out["escape"] == 400  # SuspiciousFileOperation: the Chinese 400 page


@pytest.mark.django_db(transaction=True)
def test_django_debug_1_turns_the_debug_pages_on(tmp_path):
    out = _dev(tmp_path, DJANGO_DEBUG="1")
    assert out["debug"] is True
    assert "Page not found" in out["html"]


@pytest.mark.django_db
def test_a_refused_csrf_check_is_the_chinese_403_page_inside_the_layout():
    # given a visitor whose form lost its CSRF token (a page left open too long)
    client = Client(enforce_csrf_checks=True)
    # when the form is posted
    response = client.post("/quotes/list/add/", {"product": 1, "quantity": 1})
    html = response.content.decode()
    # then the Chinese 403 page explains it, inside the layout
    assert response.status_code == 403
    assert "<h1>安全校验未通过</h1>" in html
    assert "页面已过期或安全校验（CSRF）未通过，您的提交没有保存。请刷新页面后重新提交。" in html
    assert 'class="xh-header"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status,body",
    [
        (404, {"code": "not_found", "detail": "未找到该对象，或您无权查看。", "fields": {}}),
        (403, {"code": "forbidden", "detail": "您无权执行此操作。", "fields": {}}),
        (400, {"code": "invalid", "detail": "请求无法处理（格式不正确或不完整）。", "fields": {}}),
        (500, {"code": "server_error", "detail": "服务器内部错误，请稍后再试。", "fields": {}}),
    ],
)
def test_under_api_the_error_handlers_answer_with_the_apis_json_error(status, body):
    request = RequestFactory().get("/api/no-such-route/")
    args = (request,) if status == 500 else (request, Exception("x"))
    response = _handler(status)(*args)
    assert (response.status_code, json.loads(response.content)) == (status, body)


@pytest.mark.django_db
def test_an_unknown_api_route_is_a_json_404():
    response = Client().get("/api/no-such-route/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- a DomainError no view caught (shop.core.errors.DomainErrorMiddleware) ------------------------


def _raises(request, kind):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create(username="written-before-the-error")  # must be rolled back
    raise {
        "conflict": domain.Conflict("该询价已被接受，不能再取消。"),
        "forbidden": domain.PermissionDenied("只有下单的采购人可以进行此操作。"),
        "not-found": domain.NotFound("订单不存在。"),
        "invalid": domain.DomainError("需求日期必须晚于今天。"),
    }[kind]


urlpatterns = [path("boom/<str:kind>/", _raises), *site_urlpatterns]


@pytest.mark.django_db
@pytest.mark.urls("tests.security.test_error_pages")
@pytest.mark.parametrize(
    "kind,status,heading,text",
    [
        ("conflict", 409, "当前状态不允许此操作", "该询价已被接受，不能再取消。"),
        ("forbidden", 403, "无权操作", "只有下单的采购人可以进行此操作。"),
        ("invalid", 400, "无法完成操作", "需求日期必须晚于今天。"),
        ("not-found", 404, "页面不存在", "您访问的页面不存在或已被删除"),
    ],
)
def test_a_domain_error_no_view_caught_is_its_status_in_chinese_and_keeps_nothing(
    kind, status, heading, text
):
    # given a page whose view writes a row and then raises a domain error it does not catch
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.count()
    # when it is opened
    response = Client().get(f"/boom/{kind}/")
    html = response.content.decode()
    # then the answer is the error's status with its Chinese message inside the layout, not a 500
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    assert text in html
    assert 'class="xh-header"' in html
    # and the write before the error is rolled back
    assert get_user_model().objects.count() == users
