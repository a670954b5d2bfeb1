"""Mail reaches a real SMTP server: production settings read the mail server from the
environment (``EMAIL_URL`` or ``EMAIL_HOST``/``EMAIL_PORT``…), and a Chinese message arrives
intact. The server is aiosmtpd in a process of its own, storing what it receives in a Maildir."""

import mailbox
import os
import subprocess
import sys
from email.header import decode_header, make_header

import pytest

from tests.conftest import ROOT

from .conftest import AiosmtpdServer, short_tmpdir

pytestmark = pytest.mark.slow


@pytest.fixture
def smtp_server():
    maildir = short_tmpdir("mx") / "Maildir"
    server = AiosmtpdServer(handler="aiosmtpd.handlers.Mailbox", handler_args=[str(maildir)]).start()
    yield server.port, maildir
    server.stop()


def received(maildir) -> list:
    return [m for m in mailbox.Maildir(str(maildir), create=False)] if maildir.exists() else []


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings.production",
        DJANGO_SECRET_KEY="a-real-secret-for-this-test-only-0123456789abcdef",
        STRIPE_WEBHOOK_SECRET="whsec_real_secret_for_this_test",
        DJANGO_ALLOWED_HOSTS="mall.example.cn",
        REDIS_URL="redis://broker.internal:6379/0",
        REDIS_CACHE_URL="redis://cache.internal:6379/0",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


@pytest.mark.parametrize(
    "mail_env",
    [
        lambda port: {"EMAIL_URL": f"smtp://127.0.0.1:{port}"},
        lambda port: {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_URL": "smtp://placeholder"},
    ],
    ids=["EMAIL_URL", "EMAIL_HOST"],
)
def test_production_settings_send_mail_to_the_configured_smtp_server(smtp_server, mail_env):
    # given a real SMTP server and production settings pointing at it through the environment
    port, maildir = smtp_server
    # when the project sends a test e-mail with those settings
    done = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "buyer@example.com"],
        cwd=ROOT,
        env=production_env(**mail_env(port)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # then the server received exactly that message
    messages = received(maildir)
    assert [m["To"] for m in messages] == ["buyer@example.com"]
    assert messages[0]["From"].endswith("<noreply@xianghui.example>")


def test_a_chinese_message_arrives_intact(smtp_server, settings):
    from django.core.mail import send_mail

    # given the SMTP backend pointed at the real server
    port, maildir = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    # when a Chinese message is sent
    send_mail(
        "【湘慧商城】询价已提交", "您的询价单 XJ202612040001 已提交。", None, ["李明 <liming@example.com>"]
    )
    # then it arrives with subject and body as written
    (message,) = received(maildir)
    assert str(make_header(decode_header(message["Subject"]))) == "【湘慧商城】询价已提交"
    assert "您的询价单 XJ202612040001 已提交。" in message.get_payload(decode=True).decode("utf-8")
