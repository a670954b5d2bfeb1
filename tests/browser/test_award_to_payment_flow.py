"""Chromium: the whole chain after an award, each step on its own page by the member whose job
it is — the 经办人 confirms the 询价's award, both parties confirm the contract, the vendor ships,
the 经办人 accepts (履约验收), the 财务 transfers to the vendor's own 对公账户, the vendor confirms
the receipt (the order is 已完成) and the 经办人 rates the supplier."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from shop.contracts.models import Contract, ContractVersion
from shop.credit.models import SupplierRating
from shop.payments.models import BankTransfer
from shop.sourcing import services as sourcing
from tests.conftest import wait_until
from tests.factories.payments import verified_account
from tests.factories.sourcing import publish_inquiry, sourcing_world

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SLIP = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return context, page


def _go(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_award_contract_delivery_acceptance_payment_to_the_vendor_and_rating(
    browser, live_server, celery_worker, settings
):
    # given a government unit's 询价 opened with three sealed answers (lowest ¥39,200 by 供应商1),
    # and that vendor's own 对公账户 verified by the operator (the mall has its own account too)
    settings.MALL_PAYEE_ACCOUNT = "43050100000000099999"
    world = sourcing_world(org_type="party_gov")
    event = publish_inquiry(world)
    lines = list(event.lines.order_by("sequence"))
    for (partner, user), (panel, mic) in zip(
        world.vendors[:3],
        (("18800.00", "400.00"), ("19000.00", "450.00"), ("19500.00", "300.00")),
        strict=True,
    ):
        sourcing.response_submit(
            event=event,
            actor=user,
            prices={lines[0].pk: panel, lines[1].pk: mic},
            delivery_days=20,
            partner_id=partner.pk,
        )
    event.refresh_from_db()
    sourcing.sourcing_close(event_id=event.pk, now=event.deadline)
    winner, vendor_user = world.vendors[0]
    verified_account(winner, number="43050175380000012345")
    handler, finance = world.members["handler"].user, world.members["finance"].user
    contexts = []
    try:
        h_ctx, h = _context(browser, live_server, handler)
        v_ctx, v = _context(browser, live_server, vendor_user)
        f_ctx, f = _context(browser, live_server, finance)
        contexts += [h_ctx, v_ctx, f_ctx]

        # when the 经办人 confirms the award on the 询价 page
        h.goto(f"/sourcing/{event.number}/")
        _go(h, "#sourcing-confirm")
        event.refresh_from_db()
        order = event.order
        assert order.total_incl_tax == 2 * 18800 + 4 * 400  # ¥39,200.00
        # then a contract draft is made and rendered by the worker
        wait_until(
            lambda: ContractVersion.objects.filter(contract__order=order).exclude(pdf_sha256="").exists(),
            timeout=60,
        )
        contract = Contract.objects.get(order=order)

        # when the 经办人 confirms it on the unit's contract page, and the vendor in its dashboard
        h.goto("/contracts/")
        _go(h, f"text={contract.number}")
        _go(h, "#confirm-1")
        assert "贵方已确认签订，等待对方确认。" in h.inner_text("body")
        v.goto(f"/dashboard/contracts/{contract.number}/")
        _go(v, "#confirm-1")
        contract.refresh_from_db()
        assert contract.status == "signed"

        # when the vendor records the shipment of each line
        v.goto(f"/dashboard/fulfilment/{order.number}/")
        for line in order.lines.order_by("pk"):
            v.select_option(f"#kind-{line.pk}", "shipment")
            v.fill(f"#carrier-{line.pk}", "顺丰速运")
            v.fill(f"#tracking-{line.pk}", f"SF88{line.pk:06d}")
            _go(v, f"#deliver-{line.pk}")
        # and the 经办人 accepts each line as 合格
        h.goto(f"/fulfilment/{order.number}/")
        for line in order.lines.order_by("pk"):
            h.fill(f"#comments-{line.pk}", "数量、外观与合同一致")
            _go(h, f"#accept-{line.pk}")
        assert "已验收" in h.inner_text("#fulfilment-status")
        order.refresh_from_db()
        assert order.status == "待付款"

        # then the 财务 sees the vendor's own account (never the mall's) and transfers the amount
        f.goto(f"/payments/orders/{order.number}/")
        payee = f.inner_text("#payee-account")
        assert "43050175380000012345" in payee and winner.name in payee
        assert "43050100000000099999" not in f.content()
        f.fill("#id_payer_name", world.unit.org_name)
        f.fill("#id_amount", "39200.00")
        f.fill("#id_remitted_on", timezone.localdate().isoformat())
        f.set_input_files(
            "#id_slip", files=[{"name": "回单.pdf", "mimeType": "application/pdf", "buffer": SLIP}]
        )
        _go(f, "#transfer-form button[type=submit]")
        assert "等待供应商或平台确认到账" in f.inner_text("#transfer-pending")

        # when the vendor confirms the money arrived on its account
        transfer = BankTransfer.objects.get(stage__order=order)
        v.goto(f"/dashboard/payments/orders/{order.number}/")
        v.fill(f"#received-{transfer.pk}", "39200.00")
        _go(v, f"form[action$='/transfers/{transfer.pk}/confirm/'] button[type=submit]")
        order.refresh_from_db()
        # then the order is paid and nothing is left to do on it
        assert order.status == "已完成"

        # when the 经办人 rates the supplier from the order page
        h.goto(f"/payments/orders/{order.number}/")
        _go(h, "#order-rating-link")
        h.check("input[name=quality][value='5']")
        h.check("input[name=delivery][value='5']")
        h.check("input[name=service][value='4']")
        _go(h, "button:has-text('提交评价')")
        # then the rating is stored once and shown
        assert list(SupplierRating.objects.values_list("partner_id", "quality", "delivery", "service")) == [
            (winner.pk, 5, 5, 4)
        ]
        assert all(p.js_errors == [] for p in (h, v, f))
    finally:
        for context in contexts:
            context.close()
