"""make run's 人才开发外包 demo: one engagement of the demo unit in service — approved by the unit
(it reaches the ¥50,000 rule), on its first budget line, month 1 reported and waiting for the
经办人's acceptance; a second run adds nothing."""

import pytest
from django.core.management import call_command

from shop.buyers.models import ApprovalRequest
from shop.outsourcing.models import OutsourcingRequest, Status, WorkReport
from tests.factories.storefront import load_real_catalogue

pytestmark = pytest.mark.django_db


def test_the_outsourcing_demo_is_one_approved_engagement_with_month_1_waiting(tmp_path, settings, capsys):
    # given the real catalogue and the demo accounts
    settings.VAR_DIR = tmp_path
    load_real_catalogue()
    call_command("create_demo_accounts")
    # when the demo runs twice
    call_command("create_demo_outsourcing")
    call_command("create_demo_outsourcing")
    # then one engagement in service, its order approved by the unit and on its budget line
    request = OutsourcingRequest.objects.get()
    order = request.order
    assert (request.status, order.status) == (Status.IN_SERVICE, "履约中")
    assert order.origin.budget_line.name == "信息化设备购置"
    assert list(ApprovalRequest.objects.filter(subject_id=order.pk).values_list("kind", "status")) == [
        ("order", "approved")
    ]
    # and month 1 is reported, waiting for the 经办人
    assert list(WorkReport.objects.values_list("month", "status")) == [(1, "submitted")]
    assert request.number in capsys.readouterr().out
