"""供应商入驻: the public form, operator approval/rejection, e-mails, re-applying, licence access."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from oscar.core.loading import get_model

from shop.core.access import is_vendor, user_partner_ids
from shop.core.exceptions import DomainError, IllegalTransition
from shop.vendors import services
from shop.vendors.forms import COMPANY_FIELDS
from shop.vendors.models import VendorApplication, VendorApplicationEvent
from shop.vendors.tasks import send_application_decision_email
from tests.conftest import deliver_outbox
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.vendors import PDF_BYTES, application_data, make_application, png_bytes

pytestmark = pytest.mark.django_db

Partner = get_model("partner", "Partner")
User = get_user_model()
APPLY = "/vendors/apply/"


def files_under(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def mail_tasks(callbacks) -> list:
    """The decision-mail enqueues among the on-commit callbacks (other apps add their own)."""
    return [c for c in callbacks if getattr(c, "task_name", "") == "vendors.send_application_decision_email"]


def post_application(client, data=None, licence=None):
    data = application_data() if data is None else data
    if licence is None:
        licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")
    if licence is not False:
        data = {**data, "licence": licence}
    return client.post(APPLY, data)


# --- the form -------------------------------------------------------------------------------


def test_apply_page_is_public_and_in_chinese(client):
    response = client.get(reverse("vendors:apply"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "统一社会信用代码" in body
    assert "营业执照" in body
    assert 'enctype="multipart/form-data"' in body
    assert "<script>" not in body


def test_good_application_creates_a_submitted_application_and_an_account_without_dashboard_access(client):
    # given valid company data, a PDF licence and a new account
    data = application_data()
    private_before = files_under(settings.PRIVATE_MEDIA_ROOT)
    # when the applicant submits
    response = post_application(client, data)
    # then one application is saved, waiting for review, and the applicant sees its status
    assert response.status_code == 302
    assert response["Location"] == reverse("vendors:status")
    application = VendorApplication.objects.get()
    assert application.status == "submitted"
    assert application.company_name == data["company_name"]
    assert application.uscc == data["uscc"]
    assert list(application.categories.values_list("pk", flat=True)) == data["categories"]
    assert application.licence_kind == "pdf"
    assert application.licence_name == "营业执照.pdf"
    user = application.user
    assert user.email == data["account_email"]
    assert user.check_password(data["password1"])
    assert not user.is_staff
    assert not user.has_perm("partner.dashboard_access")
    assert user_partner_ids(user) == []
    # the licence is private (outside MEDIA_ROOT) under a generated name
    new_files = set(files_under(settings.PRIVATE_MEDIA_ROOT)) - set(private_before)
    assert len(new_files) == 1
    stored = new_files.pop()
    assert stored.read_bytes() == PDF_BYTES
    assert "营业执照" not in stored.name
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    assert list(VendorApplicationEvent.objects.values_list("kind", "to_status")) == [
        ("submitted", "submitted")
    ]
    # and the applicant is signed in and sees the status page
    status = client.get(reverse("vendors:status"))
    assert status.status_code == 200
    assert "待审核" in status.content.decode()


def test_image_licence_is_accepted(client):
    response = post_application(client, licence=SimpleUploadedFile("licence.png", png_bytes()))
    assert response.status_code == 302
    assert VendorApplication.objects.get().licence_kind == "png"


def _assert_nothing_saved(users_before: int, private_before: list):
    assert VendorApplication.objects.count() == 0
    assert User.objects.count() == users_before
    assert files_under(settings.PRIVATE_MEDIA_ROOT) == private_before


def test_bad_uscc_is_rejected_in_chinese_and_nothing_is_saved(client):
    users_before, private_before = User.objects.count(), files_under(settings.PRIVATE_MEDIA_ROOT)
    good = application_data()["uscc"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = post_application(client, application_data(uscc=bad))
    assert response.status_code == 200
    assert response.context["form"].errors["uscc"] == ["统一社会信用代码校验位不正确，请核对后重新输入。"]
    _assert_nothing_saved(users_before, private_before)


def test_uscc_with_forbidden_letters_or_wrong_length_is_rejected(client):
    response = post_application(client, application_data(uscc="91430100MA4L1234"))
    assert response.context["form"].errors["uscc"] == ["统一社会信用代码应为 18 位，当前为 16 位。"]
    response = post_application(client, application_data(uscc="91430100MA4L1I3O5Z"))
    assert "不允许的字符" in response.context["form"].errors["uscc"][0]
    assert VendorApplication.objects.count() == 0


def test_disguised_licence_is_rejected_by_content(client):
    users_before, private_before = User.objects.count(), files_under(settings.PRIVATE_MEDIA_ROOT)
    # an HTML page named .pdf, and a real PNG named .pdf
    html = SimpleUploadedFile("营业执照.pdf", b"<html><script>alert(1)</script></html>")
    response = post_application(client, licence=html)
    assert response.context["form"].errors["licence"] == ["不支持的文件类型，仅接受：JPEG、PDF、PNG。"]
    png_as_pdf = SimpleUploadedFile("营业执照.pdf", png_bytes())
    response = post_application(client, licence=png_as_pdf)
    assert response.context["form"].errors["licence"] == ["文件扩展名“.pdf”与文件内容（PNG）不符。"]
    _assert_nothing_saved(users_before, private_before)


def test_oversized_licence_is_rejected(client, settings):
    settings.VENDOR_LICENCE_MAX_BYTES = 1024 * 1024
    users_before, private_before = User.objects.count(), files_under(settings.PRIVATE_MEDIA_ROOT)
    big = SimpleUploadedFile("营业执照.pdf", PDF_BYTES + b"0" * (1024 * 1024 + 10))
    response = post_application(client, licence=big)
    assert response.context["form"].errors["licence"] == ["文件过大：1.0 MB，最大允许 1 MB。"]
    _assert_nothing_saved(users_before, private_before)


def test_missing_fields_get_chinese_errors_and_nothing_is_saved(client):
    users_before, private_before = User.objects.count(), files_under(settings.PRIVATE_MEDIA_ROOT)
    response = client.post(APPLY, {})
    errors = response.context["form"].errors
    assert response.status_code == 200
    for name in COMPANY_FIELDS:
        assert errors[name] == ["该字段是必填项。"], name
    assert errors["licence"] == ["请上传营业执照。"]
    assert errors["categories"] == ["请至少选择一个供货类目。"]
    assert errors["agree"] == ["请确认信息真实有效并同意入驻规则。"]
    assert "提交的信息有误" in response.content.decode()
    _assert_nothing_saved(users_before, private_before)


def test_bad_mobile_taken_email_weak_and_mismatched_passwords(client):
    UserFactory(username="taken", email="taken@example.com")
    users_before = User.objects.count()
    response = post_application(
        client,
        application_data(
            mobile="12345", account_email="taken@example.com", password1="12345678", password2="12345678"
        ),
    )
    errors = response.context["form"].errors
    assert errors["mobile"] == ["请输入有效的 11 位手机号码。"]
    assert errors["account_email"] == ["该邮箱已注册，请先登录后再提交入驻申请。"]
    assert "这个密码太常见了。" in errors["password1"]
    assert "密码只包含数字。" in errors["password1"]
    response = post_application(client, application_data(password2="Other-pass-2026!"))
    assert response.context["form"].errors["password2"] == ["两次输入的密码不一致。"]
    assert VendorApplication.objects.count() == 0
    assert User.objects.count() == users_before


def test_signed_in_user_applies_with_own_account(client):
    buyer = UserFactory(username="buyer1", email="buyer1@example.com")
    client.force_login(buyer)
    data = application_data()
    for key in ("account_email", "password1", "password2"):
        data.pop(key)
    response = post_application(client, data)
    assert response.status_code == 302
    assert VendorApplication.objects.get().user == buyer
    # and a second application while the first is open is refused: the form redirects to status
    assert client.get(APPLY)["Location"] == reverse("vendors:status")


def test_same_uscc_cannot_have_two_open_applications():
    first = make_application()
    other = UserFactory(username="other", email="other@example.com")
    with pytest.raises(DomainError) as exc:
        services.vendor_application_submit(
            user=other,
            company_name="另一家公司",
            uscc=first.uscc,
            legal_representative="王五",
            contact_name="王五",
            mobile="13900139000",
            email="x@example.com",
            business_scope="软件",
            licence=SimpleUploadedFile("l.pdf", PDF_BYTES),
        )
    assert exc.value.message == "该统一社会信用代码已有待审核或已通过的入驻申请。"
    assert VendorApplication.objects.count() == 1


# --- approval and rejection -------------------------------------------------------------------


def test_approve_creates_partner_grants_dashboard_access_and_emails_the_applicant(
    django_capture_on_commit_callbacks,
):
    application = make_application()
    operator = OperatorFactory()
    # when an operator approves
    with django_capture_on_commit_callbacks() as callbacks:
        services.vendor_application_approve(application=application, actor=operator)
    # then the applicant's user is linked to a new partner named after the company
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.decided_by == operator
    partner = application.partner
    assert partner.name == application.company_name
    assert partner.code == f"vendor-{application.uscc.lower()}"
    user = User.objects.get(pk=application.user_id)
    assert list(partner.users.all()) == [user]
    assert user.has_perm("partner.dashboard_access")
    assert is_vendor(user)
    assert not user.is_staff
    assert list(application.events.values_list("kind", "from_status", "to_status")) == [
        ("approved", "submitted", "approved")
    ]
    # and one mail task was enqueued after commit; running it sends one Chinese e-mail
    assert len(mail_tasks(callbacks)) == 1
    mail.outbox.clear()
    assert send_application_decision_email(application.pk) is True
    assert deliver_outbox() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "【湘慧商城】您的供应商入驻申请已通过"
    assert sorted(message.to) == sorted({application.email, user.email})
    assert application.company_name in message.body
    assert "/dashboard/" in message.body
    # running the task again sends nothing (idempotent)
    assert send_application_decision_email(application.pk) is False
    assert deliver_outbox() == 0
    assert len(mail.outbox) == 1


def test_approving_twice_is_a_clear_error_and_changes_nothing():
    application = make_application()
    operator = OperatorFactory()
    services.vendor_application_approve(application=application, actor=operator)
    with pytest.raises(IllegalTransition) as exc:
        services.vendor_application_approve(application=application, actor=operator)
    assert exc.value.message == "当前状态为“已通过”，不能变更为“已通过”。"
    assert Partner.objects.count() == 1
    assert application.events.count() == 1


def test_reject_records_reason_and_emails_it(django_capture_on_commit_callbacks):
    application = make_application()
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        services.vendor_application_reject(
            application=application, actor=operator, reason="营业执照照片不清晰"
        )
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.reject_reason == "营业执照照片不清晰"
    assert application.partner is None
    assert not application.user.has_perm("partner.dashboard_access")
    assert list(application.events.values_list("kind", "note")) == [("rejected", "营业执照照片不清晰")]
    assert len(mail_tasks(callbacks)) == 1
    mail.outbox.clear()
    send_application_decision_email(application.pk)
    deliver_outbox()
    assert [m.subject for m in mail.outbox] == ["【湘慧商城】您的供应商入驻申请未通过审核"]
    assert "驳回原因：\n营业执照照片不清晰" in mail.outbox[0].body
    assert "/vendors/apply/" in mail.outbox[0].body


def test_reject_without_reason_changes_nothing(client):
    application = make_application()
    operator = OperatorFactory()
    client.force_login(operator)
    response = client.post(
        reverse("dashboard:vendors-application-reject", args=[application.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert "请填写驳回原因。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"
    assert application.events.count() == 0


def test_reapply_after_rejection_then_approval(client):
    # given a rejected application
    first = make_application()
    services.vendor_application_reject(application=first, actor=OperatorFactory(), reason="经营范围不符")
    client.force_login(first.user)
    # the status page shows the reason and the apply form is open again, prefilled
    status = client.get(reverse("vendors:status")).content.decode()
    assert "经营范围不符" in status
    form_page = client.get(APPLY)
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["uscc"] == first.uscc
    assert "经营范围不符" in form_page.content.decode()
    # when the applicant applies again with the same USCC
    data = application_data(
        uscc=first.uscc, company_name=first.company_name, business_scope="智慧城市设备销售"
    )
    for key in ("account_email", "password1", "password2"):
        data.pop(key)
    response = post_application(client, data)
    assert response.status_code == 302
    # then a second, submitted application exists beside the rejected one
    second = VendorApplication.objects.exclude(pk=first.pk).get()
    assert (second.user, second.status, second.uscc) == (first.user, "submitted", first.uscc)
    # and it can be approved
    services.vendor_application_approve(application=second, actor=OperatorFactory())
    assert is_vendor(User.objects.get(pk=first.user_id))


# --- dashboard access and the licence file -----------------------------------------------------


def test_application_dashboard_is_for_operators_only(client):
    application = make_application()
    urls = [
        reverse("dashboard:vendors-application-list"),
        reverse("dashboard:vendors-application-detail", args=[application.pk]),
        reverse("dashboard:vendors-application-licence", args=[application.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    for url in urls:
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("dashboard:vendors-application-approve", args=[application.pk])).status_code
        == 403
    )
    application.refresh_from_db()
    assert application.status == "submitted"
    client.force_login(OperatorFactory())
    listing = client.get(urls[0])
    assert listing.status_code == 200
    assert application.company_name in listing.content.decode()
    assert client.get(urls[1]).status_code == 200


def test_operator_approves_through_the_dashboard(client, django_capture_on_commit_callbacks):
    application = make_application()
    client.force_login(OperatorFactory())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("dashboard:vendors-application-approve", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert len(mail_tasks(callbacks)) == 1


def test_licence_is_served_only_to_its_applicant_and_operators(client):
    application = make_application()
    url = reverse("vendors:licence", args=[application.pk])
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(username="stranger", email="stranger@example.com"))
    assert client.get(url).status_code == 404
    client.force_login(application.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(OperatorFactory())
    response = client.get(reverse("dashboard:vendors-application-licence", args=[application.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


# --- navigation -----------------------------------------------------------------------------


def test_header_link_fits_the_user(client):
    page = client.get(APPLY).content.decode()
    assert 'id="vendor-dashboard-link"' not in page and 'id="vendor-status-link"' not in page
    application = make_application()
    client.force_login(application.user)
    page = client.get(reverse("vendors:status")).content.decode()
    assert f'id="vendor-status-link" href="{reverse("vendors:status")}"' in page
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    page = client.get("/").content.decode()
    assert f'id="vendor-dashboard-link" href="{reverse("dashboard:index")}"' in page


def test_dashboard_navigation_shows_each_role_its_vendor_pages(client):
    review_links = [
        reverse("dashboard:vendors-application-list"),
        reverse("dashboard:vendors-product-review-list"),
    ]
    import_link = reverse("dashboard:vendors-import-list")
    client.force_login(OperatorFactory())
    page = client.get(reverse("dashboard:vendors-application-list")).content.decode()
    assert all(f'href="{url}"' in page for url in [*review_links, import_link])
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    page = client.get(import_link).content.decode()
    assert f'href="{import_link}"' in page
    assert not any(f'href="{url}"' in page for url in review_links)
