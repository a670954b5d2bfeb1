"""The outbox (shop.core.mail): every e-mail is a row written in the business transaction, sent
after commit with retries, marked failed at the cap, swept if left unsent, retried by an
operator. SMTP failures are real: a loopback port where no server listens, then a real SMTP
server started on it (tests/reliability/test_retries.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from shop.core.exceptions import DomainError, PermissionDenied
from shop.core.mail import (
    MailSendFailed,
    mail_queue,
    outbound_email_retry,
    outbound_email_send,
    outbound_email_sweep,
)
from shop.core.models import OutboundEmail, TaskFailure
from shop.payments.models import PaymentStage
from shop.payments.services import unpaid_orders_remind
from tests.conftest import free_port
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.payments import placed_order
from tests.reliability.test_retries import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_smtp():
    port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=2,
    ):
        yield port


def enqueued(callbacks) -> list[str]:
    return [c.task_name for c in callbacks if hasattr(c, "task_name")]


def test_unpaid_order_reminder_survives_an_smtp_error_and_is_sent_when_smtp_is_back(
    dead_smtp, django_capture_on_commit_callbacks
):
    # given an order unpaid for a day, and no SMTP server
    buyer = UserFactory(email="buyer-unpaid@example.com")
    order = placed_order(buyer=buyer, price="100.00")
    now = order.date_placed + timedelta(hours=25)
    # when the reminder job runs
    with django_capture_on_commit_callbacks() as callbacks:
        assert unpaid_orders_remind(now=now) == [order.number]
    # then the mail is an outbox row, sent by the outbox task after commit
    row = OutboundEmail.objects.get()
    assert (row.to, row.subject, row.status) == (
        ["buyer-unpaid@example.com"],
        f"【湘慧商城】订单 {order.number} 待付款提醒",
        "pending",
    )
    assert enqueued(callbacks) == ["core.outbound_email_send"]
    # when SMTP refuses the first try, the row waits for a retry with the error
    with pytest.raises(MailSendFailed):
        outbound_email_send(email_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.last_error.startswith("ConnectionRefusedError")
    # when the server is back, the retry sends it once and marks it sent
    server = SmtpServer(dead_smtp)
    try:
        assert outbound_email_send(email_id=row.pk) == "sent"
        assert outbound_email_send(email_id=row.pk) == "skipped"
    finally:
        server.close()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert row.sent_at is not None
    assert [rcpts for _sender, rcpts in server.received] == [["buyer-unpaid@example.com"]]
    assert PaymentStage.objects.get(order=order).reminded_at == now


def test_a_mail_failing_up_to_the_cap_is_marked_failed_left_alone_by_the_sweep_and_retried_by_an_operator(
    dead_smtp, settings, django_capture_on_commit_callbacks
):
    # given a queued mail, no SMTP server and a cap of 2 attempts
    settings.MAIL_MAX_ATTEMPTS = 2
    row = mail_queue(to=["a@example.com"], subject="主题", body="正文", dedupe_key="test:cap")
    # when it fails twice
    with pytest.raises(MailSendFailed):
        outbound_email_send(email_id=row.pk)
    assert outbound_email_send(email_id=row.pk) == "failed"
    # then it is failed with the reason, and the sweep (even much later) leaves it alone
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 2)
    assert "ConnectionRefusedError" in row.last_error
    with django_capture_on_commit_callbacks() as callbacks:
        assert outbound_email_sweep(now=timezone.now() + timedelta(days=1)) == []
    assert enqueued(callbacks) == []
    # and only an operator can send it again
    with pytest.raises(PermissionDenied):
        outbound_email_retry(email_id=row.pk, actor=UserFactory())
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        outbound_email_retry(email_id=row.pk, actor=operator)
    assert enqueued(callbacks) == ["core.outbound_email_send"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert list(row.events.values_list("kind", "from_status", "to_status", "actor")) == [
        ("claimed", "pending", "sending", None),
        ("send_error", "sending", "pending", None),
        ("claimed", "pending", "sending", None),
        ("failed", "sending", "failed", None),
        ("retried", "failed", "pending", operator.pk),
    ]
    with pytest.raises(DomainError) as exc:
        outbound_email_retry(email_id=row.pk, actor=OperatorFactory())
    assert exc.value.message == "该邮件当前状态为“待发送”，只有发送失败的邮件可以重新发送。"
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert outbound_email_send(email_id=row.pk) == "sent"
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["a@example.com"], "主题", "正文")]


def test_a_rolled_back_transaction_queues_no_mail_and_a_dedupe_key_queues_once(
    django_capture_on_commit_callbacks,
):
    # when the business transaction fails after queueing a mail
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(DomainError), transaction.atomic():
            mail_queue(to=["a@example.com"], subject="主题", body="正文", dedupe_key="test:rollback")
            raise DomainError("后续步骤失败")
    # then nothing is queued or sent
    assert OutboundEmail.objects.count() == 0
    assert enqueued(callbacks) == []
    # when the same fact is queued twice, one row and one send
    with django_capture_on_commit_callbacks() as callbacks:
        first = mail_queue(to=["a@example.com"], subject="主题", body="正文", dedupe_key="test:once")
        second = mail_queue(to=["a@example.com"], subject="主题", body="正文", dedupe_key="test:once")
    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert enqueued(callbacks) == ["core.outbound_email_send"]


def test_a_claimed_mail_is_not_sent_twice_and_a_stuck_one_is_swept(
    settings, django_capture_on_commit_callbacks
):
    # given a mail claimed by a worker that died after the SMTP step (status sending)
    settings.MAIL_SWEEP_GRACE_SECONDS = 60
    row = mail_queue(to=["a@example.com"], subject="主题", body="正文", dedupe_key="test:claimed")
    OutboundEmail.objects.filter(pk=row.pk).update(status="sending", attempts=1, claimed_at=timezone.now())
    # when the task is delivered again at once, it sends nothing
    assert outbound_email_send(email_id=row.pk) == "skipped"
    assert mail.outbox == []
    # when the sweep runs after the grace period, the row is sent again (the documented window)
    later = timezone.now() + timedelta(seconds=61)
    with django_capture_on_commit_callbacks() as callbacks:
        assert outbound_email_sweep(now=later) == [row.pk]
    assert enqueued(callbacks) == ["core.outbound_email_send"]
    OutboundEmail.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert outbound_email_send(email_id=row.pk) == "sent"
    assert len(mail.outbox) == 1


def test_operators_see_failed_mails_and_task_failures_in_the_dashboard_and_retry_them(client):
    # given a failed mail
    row = mail_queue(to=["a@example.com"], subject="失败的邮件", body="正文", dedupe_key="test:dash")
    OutboundEmail.objects.filter(pk=row.pk).update(status="failed", attempts=5, last_error="SMTP 550")
    url = reverse("dashboard:core-tasks")
    # a vendor or buyer cannot open the page
    client.force_login(UserFactory())
    assert client.get(url).status_code in (302, 403)
    # an operator sees the failed mail with its error and sends it again
    client.force_login(OperatorFactory())
    page = client.get(url).content.decode()
    assert "失败的邮件" in page and "SMTP 550" in page
    response = client.post(reverse("dashboard:core-mail-retry", args=[row.pk]))
    assert (response.status_code, response["Location"]) == (302, url)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    # and a task that gave up on a row is listed with its error and retried from the page
    failure = TaskFailure.objects.create(
        task="shop.payments.tasks.process_stripe_event",
        object_id=42,
        status="failed",
        failure_count=5,
        last_error="ValueError: 坏数据",
        failed_at=timezone.now(),
    )
    page = client.get(url).content.decode()
    assert "shop.payments.tasks.process_stripe_event" in page and "ValueError: 坏数据" in page
    assert client.post(reverse("dashboard:core-task-retry", args=[failure.pk])).status_code == 302
    failure.refresh_from_db()
    assert failure.status == "retried"
    # a retry of something that does not exist is a message, not a 500
    response = client.post(reverse("dashboard:core-task-retry", args=[failure.pk + 1000]), follow=True)
    assert (response.status_code, "该失败记录不存在。" in response.content.decode()) == (200, True)
