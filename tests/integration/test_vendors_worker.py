"""Vendor tasks on a real Celery worker and a real Redis: the decision e-mail after approval,
the sweep re-sending a mail whose task was lost, and a bulk import with its progress."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shop.vendors import services
from shop.vendors.models import ProductImport, VendorApplication
from tests.conftest import wait_until
from tests.factories.accounts import OperatorFactory, make_vendor_user
from tests.factories.vendors import make_application, product_class, root_category

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_approval_mail_is_sent_by_the_worker(celery_worker, worker_outbox):
    # given a submitted application
    application = make_application()
    # when an operator approves it (the mail task is enqueued after commit)
    services.vendor_application_approve(application=application, actor=OperatorFactory())
    # then the worker sends exactly one Chinese e-mail to the applicant and records it
    messages = wait_until(worker_outbox.messages, timeout=30, message="approval e-mail")
    wait_until(
        lambda: VendorApplication.objects.get(pk=application.pk).notified_status == "approved",
        message="notified_status recorded",
    )
    assert len(messages) == 1
    to_line, subject_line = messages[0].split("\n")[:2]
    assert subject_line.split(":", 1)[1].strip() == "【湘慧商城】您的供应商入驻申请已通过"
    assert application.email in to_line and application.user.email in to_line
    assert application.company_name in messages[0]


def test_sweep_sends_a_decision_mail_whose_task_was_lost(celery_worker, worker_outbox):
    # given a rejection whose mail task never reached the broker
    application = make_application(
        status="rejected", reject_reason="资质不全", decided_at=timezone.now() - timedelta(minutes=10)
    )
    # when the periodic sweep runs
    assert services.vendors_sweep() == {"mails": 1, "imports": 0}
    # then the worker sends the rejection with its reason, once
    messages = wait_until(worker_outbox.messages, timeout=30, message="rejection e-mail")
    wait_until(lambda: VendorApplication.objects.get(pk=application.pk).notified_status == "rejected")
    assert len(messages) == 1
    assert "资质不全" in messages[0]
    assert services.vendors_sweep() == {"mails": 0, "imports": 0}


def test_bulk_import_runs_on_the_worker(celery_worker):
    product_class("智慧城市设备")
    root_category("智慧城市")
    vendor, _partner = make_vendor_user()
    rows = "\n".join(
        [
            "商品名称,商品类型,商品分类,供应商SKU,单价（元）,库存数量",
            "智慧路灯控制器,智慧城市设备,智慧城市,LC-1,1280,5",
            "坏行,智慧城市设备,智慧城市,LC-2,-1,5",
        ]
    )
    product_import = services.product_import_create(
        user=vendor, upload=SimpleUploadedFile("p.csv", rows.encode("utf-8"))
    )
    wait_until(
        lambda: ProductImport.objects.get(pk=product_import.pk).status == "done",
        timeout=30,
        message="import done",
    )
    outcome = list(product_import.rows.order_by("row_number").values_list("row_number", "ok", "errors"))
    assert outcome == [(2, True, []), (3, False, ["“单价（元）”不能为负数。"])]
