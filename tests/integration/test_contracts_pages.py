"""The contract pages through the real views: the buyer's list and detail within the unit (others
404), the vendor's dashboard, 确认签订 posting the hash the page showed (a stale one refused with
the reason, nothing stored), the terms form's Chinese refusals, the PDF download whose bytes are
the hash, the order page's link; and the PDF rendered by a real Celery worker."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from shop.contracts import services
from shop.contracts.models import Confirmation, Contract, ContractVersion
from tests.conftest import wait_until
from tests.factories.accounts import UserFactory, make_vendor_user
from tests.factories.buyers import UnitMemberFactory, make_unit
from tests.unit.test_contracts_services import award_order, signed_setup

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def shown_hash(html: str, sequence: int = 1) -> str:
    match = re.search(
        rf'name="version" value="{sequence}">\s*<input type="hidden" name="sha256" value="([0-9a-f]{{64}})"',
        html,
    )
    assert match, "the page shows no confirm form"
    return match.group(1)


def test_buyer_and_vendor_pages_and_both_confirmations(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks)
    contract, version = s["contract"], s["version"]
    handler = client_for(s["members"]["handler"].user)
    detail = reverse("contracts:detail", args=[contract.number])
    # the unit's list and detail show the contract, its hash and the confirm button
    listing = handler.get(reverse("contracts:list")).content.decode()
    assert contract.number in listing and "湖南湘慧科技有限公司" in listing
    page = handler.get(detail).content.decode()
    assert version.pdf_sha256 in page and "确认签订" in page and "贰万叁仟陆佰元整" in page
    # the order page links it
    order_page = handler.get(
        reverse("payments:order-detail", kwargs={"number": s["order"].number})
    ).content.decode()
    assert f'href="{detail}"' in order_page
    # outsiders: another unit's 管理员, another vendor, a lone buyer get 404
    for user in (
        UnitMemberFactory(unit=make_unit()[0], roles=["admin", "handler"]).user,
        make_vendor_user()[0],
        UserFactory(),
    ):
        assert client_for(user).get(detail).status_code == 404
        assert client_for(user).get(reverse("contracts:pdf", args=[contract.number, 1])).status_code == 404
    other_vendor = client_for(make_vendor_user()[0])
    assert other_vendor.get(reverse("dashboard:contracts-detail", args=[contract.number])).status_code == 404
    # the PDF download is the bytes whose hash the page showed
    pdf = handler.get(reverse("contracts:pdf", args=[contract.number, 1]))
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == shown_hash(page) == version.pdf_sha256

    # the buyer changes the term after the vendor opened the page: the vendor's page hash is stale
    vendor = client_for(s["vendor"])
    vendor_page = vendor.get(reverse("dashboard:contracts-detail", args=[contract.number])).content.decode()
    stale = shown_hash(vendor_page)
    response = handler.post(
        reverse("contracts:terms", args=[contract.number]),
        {
            "payment_term_days": "61",
            "delivery_place": "长沙",
            "delivery_date": "",
            "warranty": "",
            "acceptance_terms": "",
        },
    )
    assert response.status_code == 400
    assert "付款期限最长 60 日（《保障中小企业款项支付条例》）。" in response.content.decode()
    assert Contract.objects.get().payment_term_days == 30
    response = handler.post(
        reverse("contracts:terms", args=[contract.number]),
        {
            "payment_term_days": "45",
            "delivery_place": "长沙市岳麓区",
            "delivery_date": "2027-01-15",
            "warranty": "一年",
            "acceptance_terms": "按合同验收",
        },
    )
    assert response.status_code == 302
    # the page shows the saved terms (the date as the date input reads it) and that the text is
    # being rendered again (it refreshes itself until then)
    page = handler.get(detail).content.decode()
    assert 'type="date"' in page and 'value="2027-01-15"' in page and 'value="45"' in page
    assert "合同文本正在生成" in page and 'http-equiv="refresh"' in page
    services.contract_version_render(version_id=version.pk)
    response = vendor.post(
        reverse("dashboard:contracts-confirm", args=[contract.number]), {"version": "1", "sha256": stale}
    )
    assert response.status_code == 409
    assert "合同文本在您查看之后已发生变化" in response.content.decode()
    assert Confirmation.objects.count() == 0
    # with the page's new hash the vendor confirms (REMOTE_ADDR recorded), then the buyer
    fresh = shown_hash(
        vendor.get(reverse("dashboard:contracts-detail", args=[contract.number])).content.decode()
    )
    assert fresh != stale
    response = vendor.post(
        reverse("dashboard:contracts-confirm", args=[contract.number]),
        {"version": "1", "sha256": fresh},
        REMOTE_ADDR="127.0.0.2",
    )
    assert response.status_code == 302
    assert Confirmation.objects.get().client_address == "127.0.0.2"
    # a second confirmation of the vendor is refused
    response = vendor.post(
        reverse("dashboard:contracts-confirm", args=[contract.number]), {"version": "1", "sha256": fresh}
    )
    assert response.status_code == 409 and "不能重复确认" in response.content.decode()
    # the unit's 审批人 may not confirm
    approver = client_for(s["members"]["approver"].user)
    response = approver.post(
        reverse("contracts:confirm", args=[contract.number]), {"version": "1", "sha256": fresh}
    )
    assert response.status_code == 403
    assert "只有本单位的管理员、经办人可以确认签订本单位的采购合同。" in response.content.decode()
    response = handler.post(
        reverse("contracts:confirm", args=[contract.number]), {"version": "1", "sha256": fresh}
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.status, contract.payment_term_days) == ("signed", 45)
    assert Confirmation.objects.count() == 2


def test_a_bad_version_or_garbage_hash_changes_nothing(django_capture_on_commit_callbacks):
    s = signed_setup(django_capture_on_commit_callbacks)
    handler = client_for(s["members"]["handler"].user)
    url = reverse("contracts:confirm", args=[s["contract"].number])
    assert handler.post(url, {"version": "x", "sha256": "abc"}).status_code == 404
    assert handler.post(url, {"version": "1", "sha256": "<script>"}).status_code == 409
    assert handler.post(url, {"version": "1"}).status_code == 409
    assert Confirmation.objects.count() == 0


def test_the_worker_renders_the_draft_after_the_award_commits(celery_worker):
    # given an awarded quote's order placed in a committed transaction
    unit = make_unit()[0]
    order = award_order(source="quote", unit=unit)
    contract = Contract.objects.get(order=order)
    # then the real worker renders its PDF, and the hash is of the stored bytes
    wait_until(lambda: ContractVersion.objects.get(contract=contract).pdf_ready, message="the contract PDF")
    version = ContractVersion.objects.get(contract=contract)
    assert version.pdf_sha256 == hashlib.sha256(bytes(version.pdf)).hexdigest()
