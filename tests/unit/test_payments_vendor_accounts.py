"""Each vendor records its own 对公账户 (开户名 = its registered company name, proof document,
private), operators verify or reject it (audited), and transfer instructions for a vendor's
sale show that vendor's verified account only — never the mall's."""

import pytest
from django.test import Client
from django.urls import reverse

from shop.core.exceptions import DomainError, PermissionDenied
from shop.payments import selectors
from shop.payments.models import PaymentAuditEvent, VendorBankAccount
from shop.payments.services import bank_account_review, bank_account_submit
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.payments import allow_prepay, placed_order, slip_pdf, slip_png
from tests.factories.vendors import make_application

pytestmark = pytest.mark.django_db

MALL = {
    "MALL_PAYEE_NAME": "湘慧商城运营有限公司",
    "MALL_PAYEE_BANK": "测试银行长沙分行",
    "MALL_PAYEE_ACCOUNT": "900000000001",
}


@pytest.fixture
def mall_account(settings):
    for key, value in MALL.items():
        setattr(settings, key, value)


def approved_vendor(name="湖南星城智能科技有限公司"):
    user, partner = make_vendor_user()
    make_application(user=user, status="approved", partner=partner, company_name=name)
    return user, partner


def _submit(user, partner, **overrides):
    values = {
        "account_name": "湖南星城智能科技有限公司",
        "bank_name": "中国建设银行长沙麓谷支行",
        "account_number": "4305 0175 3800 0000 0001",
        "proof": slip_pdf("开户许可证.pdf"),
    }
    values.update(overrides)
    return bank_account_submit(partner=partner, actor=user, **values)


def test_vendor_records_its_account_under_its_registered_name():
    # given an approved vendor
    user, partner = approved_vendor()
    # when it records its account (number typed with spaces)
    account = _submit(user, partner)
    # then it waits for verification, the number is stored as digits, the event is audited
    account.refresh_from_db()
    assert (account.status, account.account_name, account.bank_name, account.account_number) == (
        "submitted",
        "湖南星城智能科技有限公司",
        "中国建设银行长沙麓谷支行",
        "43050175380000000001",
    )
    assert account.proof_name == "开户许可证.pdf"
    event = PaymentAuditEvent.objects.get(bank_account=account)
    assert (event.kind, event.to_status, event.actor, event.note) == (
        "bank_account_submitted",
        "submitted",
        user,
        "中国建设银行长沙麓谷支行 ****0001",
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"account_name": "张三"}, "开户名须与贵司入驻登记的企业名称“湖南星城智能科技有限公司”完全一致"),
        ({"account_name": "湖南星城智能科技有限公司长沙分公司"}, "开户名须与贵司入驻登记的企业名称"),
        ({"account_number": "12345"}, "银行账号应为 9–30 位数字"),
        ({"account_number": "4305abc75380000000001"}, "银行账号应为 9–30 位数字"),
        ({"bank_name": "某某公司"}, "请填写开户银行全称"),
        ({"proof": None}, "请选择要上传的文件。"),
    ],
)
def test_bad_account_input_is_refused_in_chinese_and_stores_nothing(overrides, message):
    # given an approved vendor
    user, partner = approved_vendor()
    # when it records an account with one bad field
    with pytest.raises(DomainError) as exc:
        _submit(user, partner, **overrides)
    # then the Chinese reason, and nothing is stored
    assert message in exc.value.message
    assert not VendorBankAccount.objects.exists()


def test_a_vendor_without_an_approved_application_or_another_vendor_cannot_record():
    # given a vendor whose application was never approved, and an approved vendor
    lone_user, lone_partner = make_vendor_user()
    user, partner = approved_vendor()
    # when the first records an account, or records it for the second
    with pytest.raises(DomainError, match="未找到贵司已通过审核的入驻申请"):
        _submit(lone_user, lone_partner)
    with pytest.raises(PermissionDenied, match="只能登记本供应商自己的对公账户"):
        _submit(lone_user, partner)
    # then nothing is stored
    assert not VendorBankAccount.objects.exists()


def test_operator_verifies_or_rejects_and_only_an_operator_may():
    # given a submitted account
    user, partner = approved_vendor()
    account = _submit(user, partner)
    # when the vendor itself tries to verify it
    with pytest.raises(PermissionDenied):
        bank_account_review(account=account, actor=user, verify=True)
    # and an operator rejects without a reason
    operator = OperatorFactory()
    with pytest.raises(DomainError, match="请填写驳回原因"):
        bank_account_review(account=account, actor=operator, verify=False, note=" ")
    assert VendorBankAccount.objects.get().status == "submitted"
    # when the operator verifies it
    bank_account_review(account=account, actor=operator, verify=True, note="与开户许可证一致")
    # then it is verified, audited with the operator
    account.refresh_from_db()
    assert (account.status, account.reviewed_by) == ("verified", operator)
    event = PaymentAuditEvent.objects.get(bank_account=account, kind="bank_account_verified")
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "verified", operator)


def test_transfer_instructions_of_a_vendor_sale_show_only_the_vendors_verified_account(mall_account):
    # given a vendor's sale to a buyer without a unit (paid first: the vendor allows it)
    user, partner = approved_vendor()
    allow_prepay(partner)
    buyer = UserFactory()
    order = placed_order(buyer=buyer, partner=partner)
    client = Client()
    client.force_login(buyer)
    url = reverse("payments:order-detail", kwargs={"number": order.number})
    # when the vendor has no verified account (none, then one submitted)
    none_page = client.get(url).content.decode()
    account = _submit(user, partner)
    submitted_page = client.get(url).content.decode()
    # then the page says so and shows no account at all, the mall's least of all
    for page in (none_page, submitted_page):
        assert f"供应商 {partner.name} 尚未提供经平台核验的对公账户，暂时无法转账。" in page
        assert MALL["MALL_PAYEE_ACCOUNT"] not in page and "43050175380000000001" not in page
    assert selectors.payee_account(order) == [
        {"seller": partner.name, "name": "", "bank": "", "account": "", "mall": False, "configured": False}
    ]
    # when an operator verifies it
    bank_account_review(account=account, actor=OperatorFactory(), verify=True)
    page = client.get(url).content.decode()
    # then the page shows the vendor's account, and still never the mall's
    assert "43050175380000000001" in page and "湖南星城智能科技有限公司" in page
    assert MALL["MALL_PAYEE_ACCOUNT"] not in page and MALL["MALL_PAYEE_NAME"] not in page


def test_the_malls_own_sale_keeps_the_malls_account(mall_account):
    # given a sale of the mall itself (自营)
    order = placed_order(buyer=UserFactory())
    # then its transfer goes to the mall's account
    assert selectors.payee_account(order) == [
        {
            "seller": "湘慧商城",
            "name": MALL["MALL_PAYEE_NAME"],
            "bank": MALL["MALL_PAYEE_BANK"],
            "account": MALL["MALL_PAYEE_ACCOUNT"],
            "mall": True,
            "configured": True,
        }
    ]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_dashboard_vendor_submits_and_operator_verifies_with_the_proof_private():
    # given an approved vendor in its dashboard
    user, partner = approved_vendor()
    vendor = _client(user)
    settings_url = reverse("dashboard:payments-seller-settings")
    assert "尚未登记对公账户" in vendor.get(settings_url).content.decode()
    # when it posts a wrong name, then the right one with a PNG proof
    bad = vendor.post(
        settings_url,
        {
            "account_name": "李四",
            "bank_name": "中国建设银行长沙麓谷支行",
            "account_number": "43050175380000000001",
            "proof": slip_png("许可证.png"),
        },
    )
    assert bad.status_code == 400 and "开户名须与贵司入驻登记的企业名称" in bad.content.decode()
    assert not VendorBankAccount.objects.exists()
    good = vendor.post(
        settings_url,
        {
            "account_name": "湖南星城智能科技有限公司",
            "bank_name": "中国建设银行长沙麓谷支行",
            "account_number": "43050175380000000001",
            "proof": slip_png("许可证.png"),
        },
    )
    assert good.status_code == 302
    account = VendorBankAccount.objects.get()
    # then the proof is private: another vendor and a buyer cannot read it, the operator can
    proof_url = reverse("dashboard:payments-bank-proof", kwargs={"pk": account.pk})
    other, _p = approved_vendor("湖南另一家科技有限公司")
    assert _client(other).get(proof_url).status_code == 404
    assert _client(UserFactory()).get(proof_url).status_code in (302, 403)
    operator = _client(OperatorFactory())
    proof = operator.get(proof_url)
    assert (proof.status_code, proof["Content-Type"]) == (200, "image/png")
    # when the operator verifies it on the review page
    review_url = reverse("dashboard:payments-bank-account", kwargs={"pk": account.pk})
    assert "与登记名称一致" in operator.get(review_url).content.decode()
    assert operator.post(review_url, {"decision": "verify", "note": ""}).status_code == 302
    # then it is verified and the vendor's page says so
    assert VendorBankAccount.objects.get().status == "verified"
    assert "已核验" in vendor.get(settings_url).content.decode()
    # and the vendor cannot open the review page
    assert _client(user).get(review_url).status_code in (302, 403)
