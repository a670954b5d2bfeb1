"""Retries: a mail (in the outbox) or a PDF step failing N times succeeds below the retry cap; at
the cap the row is marked failed, shown to operators, logged, and left alone by the sweep until
an operator retries it. Nothing is dropped silently.

The failures are real: e-mail goes over SMTP to a loopback port where no server listens (then
a real SMTP server is started there, one written here); the PDF is written under a storage root that is a file."""

import logging
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from shop.core.mail import MailSendFailed, outbound_email_send, outbound_email_sweep
from shop.core.models import OutboundEmail
from shop.quotes import services
from shop.quotes.models import VendorQuote
from tests.conftest import free_port
from tests.factories.accounts import OperatorFactory
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db

CAP = settings.QUOTES_STEP_MAX_ATTEMPTS
MAIL_CAP = settings.MAIL_MAX_ATTEMPTS


class SmtpServer:
    """A minimal real SMTP server on loopback (EHLO, MAIL, RCPT, DATA, QUIT), collecting what
    it receives; written here because the stdlib's ``smtpd`` is gone from Python 3.12."""

    def __init__(self, port: int):
        import socketserver

        self.received: list[tuple[str, list[str]]] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                sender, rcpts = "", []
                self.reply("220 xh-test ESMTP")
                while line := self.rfile.readline().decode("utf-8", "replace"):
                    verb = line.strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 xh-test")
                    elif verb == "MAIL":
                        sender, rcpts = line.split(":", 1)[1].strip().strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        while self.rfile.readline() not in (b".\r\n", b".\n", b""):
                            pass
                        outer.received.append((sender, rcpts))
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_port():
    port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_TIMEOUT=2,
    ):
        yield port


@pytest.fixture
def vendor_quote():
    partner, vendor = make_vendor("甲")
    qr = process(submit_request(lines=[(stocked_product(vendors=[(partner, "100.00")]), 1)]))
    vq = VendorQuote.objects.get(request=qr)
    assert (vq.vendor_mail_state, vq.pdf_state) == ("pending", "pending")
    return vq


def queued_mail(vendor_quote) -> OutboundEmail:
    """The quote's mail step queues the vendor's mail in the outbox (shop.core.mail)."""
    assert services.vendor_quote_mail_vendor(vendor_quote_id=vendor_quote.pk) == "done"
    assert services.vendor_quote_mail_vendor(vendor_quote_id=vendor_quote.pk) == "skipped"
    return OutboundEmail.objects.get(dedupe_key=f"quotes:vendor-quote:{vendor_quote.pk}:new-request")


def test_a_mail_failing_below_the_cap_is_sent_once_when_smtp_is_back(smtp_port, vendor_quote):
    # given no SMTP server: each attempt of the queued mail fails and asks for a retry
    row = queued_mail(vendor_quote)
    for attempt in range(1, MAIL_CAP):
        with pytest.raises(MailSendFailed):
            outbound_email_send(email_id=row.pk)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", attempt)
        assert "ConnectionRefusedError" in row.last_error
    # when the server is up for the last allowed attempt
    server = SmtpServer(smtp_port)
    try:
        assert outbound_email_send(email_id=row.pk) == "sent"
        # then a re-delivered task sends nothing more
        assert outbound_email_send(email_id=row.pk) == "skipped"
    finally:
        server.close()
    row.refresh_from_db()
    assert row.status == "sent"
    assert [rcpts for _, rcpts in server.received] == [[vendor_quote.partner.users.get().email]]


def test_a_mail_failing_at_the_cap_is_marked_failed_logged_shown_and_retried_by_an_operator(
    smtp_port, vendor_quote, caplog, client
):
    # given SMTP stays down for every allowed attempt
    row = queued_mail(vendor_quote)
    with caplog.at_level(logging.ERROR, logger="shop.core.mail"):
        for _ in range(MAIL_CAP - 1):
            with pytest.raises(MailSendFailed):
                outbound_email_send(email_id=row.pk)
        # then the last one gives up: the row is failed, not retried again
        assert outbound_email_send(email_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", MAIL_CAP)
    # and it is logged and skipped by the sweep (no endless loop)
    assert any("failed after" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert outbound_email_send(email_id=row.pk) == "skipped"
    assert outbound_email_sweep(now=timezone.now() + timedelta(days=1)) == []
    # and the operator sees it in the dashboard and sends it again
    operator = OperatorFactory(is_superuser=True)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("dashboard:core-tasks"))
    assert page.status_code == 200
    assert row.subject in page.content.decode()
    assert client.post(reverse("dashboard:core-mail-retry", args=[row.pk])).status_code == 302
    # when SMTP is back, it is sent exactly once
    server = SmtpServer(smtp_port)
    try:
        assert outbound_email_send(email_id=row.pk) == "sent"
    finally:
        server.close()
    assert len(server.received) == 1


def test_a_pdf_step_fails_while_storage_is_broken_and_renders_once_it_is_fixed(vendor_quote, tmp_path):
    # given a private storage root that is a file: every write fails
    broken = tmp_path / "not-a-directory"
    broken.write_text("x")
    with override_settings(PRIVATE_MEDIA_ROOT=broken):
        for attempt in range(1, CAP):
            with pytest.raises(OSError):
                services.vendor_quote_render_pdf(vendor_quote_id=vendor_quote.pk)
            vendor_quote.refresh_from_db()
            assert (vendor_quote.pdf_state, vendor_quote.pdf_attempts) == ("pending", attempt)
    # when storage works again, the last allowed attempt renders it, once
    assert services.vendor_quote_render_pdf(vendor_quote_id=vendor_quote.pk) == "done"
    assert services.vendor_quote_render_pdf(vendor_quote_id=vendor_quote.pk) == "skipped"
    vendor_quote.refresh_from_db()
    assert (vendor_quote.pdf_state, vendor_quote.pdf_rendered_version) == ("done", 1)
    assert vendor_quote.pdf.read().startswith(b"%PDF-")


def test_a_pdf_step_failing_at_the_cap_is_marked_failed(vendor_quote, tmp_path):
    broken = tmp_path / "not-a-directory"
    broken.write_text("x")
    with override_settings(PRIVATE_MEDIA_ROOT=broken):
        for _ in range(CAP - 1):
            with pytest.raises(OSError):
                services.vendor_quote_render_pdf(vendor_quote_id=vendor_quote.pk)
        assert services.vendor_quote_render_pdf(vendor_quote_id=vendor_quote.pk) == "failed"
    vendor_quote.refresh_from_db()
    assert vendor_quote.pdf_state == "failed"
    assert vendor_quote.events.filter(kind="failed").count() == 1
    assert "生成报价单 PDF" in vendor_quote.last_error


def test_the_step_tasks_retry_with_a_cap_and_back_off():
    from shop.quotes import tasks

    for task in (
        tasks.vendor_quote_render_pdf,
        tasks.vendor_quote_mail_vendor,
        tasks.quote_request_mail_buyer,
    ):
        assert task.max_retries >= CAP
        assert task.acks_late is True
