"""A database error right after the SMTP server accepted a mail does not send it twice.

The outbox row is claimed, the message goes to a real SMTP server (aiosmtpd, holding its
``250`` answer), PostgreSQL is stopped while the answer is held, then the answer is given:
the worker cannot mark the row sent. PostgreSQL comes back after a few seconds; the worker
(with beat's fast sweeps running) must mark the row sent and never send the message again."""

import time

import pytest

from tests.conftest import CeleryWorker, celery_broker, wait_until
from tests.conftest import test_database_url as database_url

from .conftest import RedisServer, pg_rows, queue_one_mail, short_tmpdir, smtp_worker_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_database_error_after_the_smtp_answer_sends_the_mail_once(throwaway_pg_empty, gated_smtp):
    port, smtp_dir = gated_smtp
    redis_server = RedisServer().start()
    worker = None
    try:
        with celery_broker(redis_server.url):
            # given one e-mail in the outbox, its send task queued in a Redis of our own
            row = queue_one_mail(text="您的 OEM 订单已通过可行性审核", dedupe_key="test:oem-reviewed:1")
            assert redis_server.client().llen("celery") == 1
            # and the database, copied into a PostgreSQL of its own
            pg = throwaway_pg_empty.copy_from(database_url())
            # when a worker (with beat's sweeps every 2 s, 1 s grace) sends it over SMTP
            worker = CeleryWorker(
                concurrency=1,
                extra_env=smtp_worker_env(
                    redis_url=redis_server.url,
                    smtp_port=port,
                    DATABASE_URL=pg.url,
                    SWEEP_INTERVAL_SECONDS=2,
                    MAIL_SWEEP_GRACE_SECONDS=1,
                ),
                args=["--beat", "--schedule", str(short_tmpdir("beat") / "schedule")],
            ).start()
            wait_until(
                lambda: (smtp_dir / "received-1").exists(), timeout=60, message="the mail at the server"
            )
            # and the database stops while the server holds its answer, then the server accepts
            pg.stop()
            (smtp_dir / "release").touch()
            time.sleep(6)  # the worker meets the outage while recording the send; sweeps run
            pg.start()
            # then the row ends sent
            wait_until(
                lambda: (
                    pg_rows(pg.url, f"select status from core_outboundemail where id = {row.pk}")
                    == [("sent",)]
                ),
                timeout=60,
                message="the row marked sent",
            )
            time.sleep(6)  # three more sweep intervals: nothing may send it again
            log = worker.output()
    finally:
        if worker:
            worker.stop()
        redis_server.close()
    # and the message reached the server exactly once
    assert sorted(p.name for p in smtp_dir.glob("message-*.eml")) == ["message-1.eml"], log[-3000:]
