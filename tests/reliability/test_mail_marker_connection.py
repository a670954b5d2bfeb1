"""Once the SMTP server has accepted a mail, recording that in Redis is the next thing done.

A worker killed between the server's ``250`` and the sent marker sends the mail again (the
sweep finds the row still ``sending`` and no marker). So the connection to Redis is opened
before the SMTP call, and the SMTP session is closed (``QUIT``) only after the marker. Here
the server (aiosmtpd) holds its answer, Redis is told to refuse every new connection while it
is held, then the answer is given while the server holds its answer to ``QUIT``: the marker
must still be written."""

import pytest

from shop.core.mail import _sent_marker
from shop.core.models import OutboundEmail
from tests.conftest import CeleryWorker, celery_broker, wait_until

from .conftest import RedisServer, queue_one_mail, smtp_worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_sent_marker_is_written_right_after_the_smtp_answer_on_an_open_connection(gated_smtp):
    port, smtp_dir = gated_smtp
    redis_server = RedisServer().start()
    redis = redis_server.client()
    worker = None
    try:
        with celery_broker(redis_server.url):
            # given one e-mail in the outbox, its send task queued in a Redis of our own
            row = queue_one_mail(text="您的询价单已处理完毕", dedupe_key="test:marker-connection:1")
            assert redis.llen("celery") == 1
            # when a worker sends it and the server holds its answer
            worker = CeleryWorker(
                concurrency=1,
                # (its SMTP timeout longer than this test waits for the marker)
                extra_env=smtp_worker_env(redis_url=redis_server.url, smtp_port=port, EMAIL_TIMEOUT=90),
            ).start()
            wait_until(
                lambda: (smtp_dir / "received-1").exists(), timeout=60, message="the mail at the server"
            )
            # and Redis refuses any connection beyond those open now (this test's own included)
            redis.config_set("maxclients", len(redis.client_list()))
            # and the server accepts the message but holds its answer to the worker's QUIT
            (smtp_dir / "hold-quit").touch()
            (smtp_dir / "release").touch()
            # then the marker that stops a second send is in Redis before the session ends
            marker = _sent_marker(row)
            wait_until(lambda: redis.get(marker) == b"1", timeout=20, message="the sent marker")
            # and once the server says goodbye, the worker marks the row sent
            (smtp_dir / "release-quit").touch()
            wait_until(
                lambda: OutboundEmail.objects.get(pk=row.pk).status == OutboundEmail.Status.SENT,
                timeout=60,
                message="the row marked sent",
            )
    finally:
        if worker:
            worker.stop()
        redis_server.close()
    # and the message reached the server once
    assert sorted(p.name for p in smtp_dir.glob("message-*.eml")) == ["message-1.eml"]
