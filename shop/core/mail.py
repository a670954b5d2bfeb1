"""The outbox: the one way the mall sends e-mail.

1. ``mail_queue`` writes an ``OutboundEmail`` row in the business transaction (a rollback
   sends nothing) and enqueues ``core.outbound_email_send`` after commit.
2. ``outbound_email_send`` claims the row (pending → sending, ``attempts`` + 1, committed),
   sends it over SMTP, then marks it sent in its own step. An SMTP error puts it back to
   pending with the error, retried by Celery with back-off; after ``MAIL_MAX_ATTEMPTS`` it is
   failed: shown in the dashboard, sent again by an operator (``outbound_email_retry``).
3. ``outbound_email_sweep`` (beat) re-sends rows left pending, and rows left ``sending`` by a
   worker killed mid-send, older than ``MAIL_SWEEP_GRACE_SECONDS``.

Double sending: the row is claimed and committed before the SMTP call, so a re-delivered task
or a sweep finds it ``sending`` (or ``sent``) and sends nothing. Once the SMTP server has
accepted a message, two things record it: a marker in the broker's Redis (``xh:mail-sent:<id>``,
kept a week), written at once, and the row's ``sent`` state, retried through a database outage
for up to ``MAIL_MARK_SENT_SECONDS``. A task or sweep that finds the marker marks the row sent
and sends nothing, so a database error after the send never sends the mail twice. The
connection to Redis is opened before the SMTP call and the SMTP session is closed (``QUIT``)
after the marker, so the marker is the one round trip after the server's answer. The one
remaining window: the worker is killed between that answer and the marker (well under a
millisecond on loopback); then the sweep sends it again: at most one duplicate, never a lost
mail."""

import logging
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from .access import is_operator
from .enqueue import enqueue_on_commit
from .exceptions import DomainError, IllegalTransition, PermissionDenied
from .models import OUTBOUND_EMAIL_MOVES, OutboundEmail, OutboundEmailEvent
from .transitions import transition

log = logging.getLogger("shop.core.mail")
S = OutboundEmail.Status


class MailSendFailed(Exception):
    """The SMTP step failed; the task retries it."""


def _send_task():
    from .tasks import outbound_email_send

    return outbound_email_send


def mail_queue(*, to, subject: str, body: str, dedupe_key: str, html: str = "") -> OutboundEmail | None:
    """Queue one e-mail in the current transaction; sent after commit. ``dedupe_key`` names
    the business fact (e.g. ``payments:unpaid-reminder:<order>``): queueing it twice sends once.
    Returns the row, or None when there is no recipient."""
    recipients = sorted({str(a).strip() for a in (to or []) if a and str(a).strip()})
    if not recipients:
        return None
    subject = " ".join(str(subject).split())[:300]
    try:
        with transaction.atomic():
            row, created = OutboundEmail.objects.get_or_create(
                dedupe_key=dedupe_key[:200],
                defaults={"to": recipients, "subject": subject, "body": str(body), "html": str(html or "")},
            )
    except IntegrityError:
        return OutboundEmail.objects.get(dedupe_key=dedupe_key[:200])
    if created:
        enqueue_on_commit(_send_task(), row.pk)
    return row


def _move(row: OutboundEmail, to: str, *, kind: str, note: str = "", actor=None, extra=None) -> OutboundEmail:
    return transition(
        obj=row,
        to=to,
        allowed=OUTBOUND_EMAIL_MOVES,
        labels=dict(S.choices),
        event_model=OutboundEmailEvent,
        event_fk="email",
        actor=actor,
        note=note[:1000],
        kind=kind,
        extra_updates=extra,
    )


def _claim(email_id: int) -> OutboundEmail | None:
    """pending → sending (committed before any SMTP traffic). None: nothing to do."""
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if row is None or row.status not in (S.PENDING, S.SENDING):
            return None
        grace = timedelta(seconds=settings.MAIL_SWEEP_GRACE_SECONDS)
        if row.status == S.SENDING and row.claimed_at and row.claimed_at > timezone.now() - grace:
            return None  # another worker is sending it right now
        return _move(
            row,
            S.SENDING,
            kind="claimed",
            note=f"第 {row.attempts + 1} 次发送",
            extra={"attempts": row.attempts + 1, "claimed_at": timezone.now()},
        )


def _mark(row: OutboundEmail, to: str, *, kind: str, note: str = "", **fields) -> None:
    """The step after SMTP, in its own transaction; a row no longer ``sending`` is left as is."""
    try:
        _move(row, to, kind=kind, note=note, extra=fields)
    except IllegalTransition:
        log.warning("mail %s was no longer being sent when marked %s", row.pk, to)


SENT_MARKER_SECONDS = 7 * 24 * 3600


def _sent_marker(row: OutboundEmail) -> str:
    # the creation time too: a row id alone could name another mail after a database restore
    return f"xh:mail-sent:{row.pk}:{row.created_at.timestamp():.6f}"


def _broker_client():
    from shop.celery import app

    return app.connection_for_write()


@contextmanager
def _marker_store(row: OutboundEmail):
    """A client of the broker's Redis, connected (and answering) before the SMTP call, so that
    once the server has accepted the message, recording it costs no connect and no PING: a
    worker killed in between would send the mail again. None when Redis cannot be reached."""
    conn = client = None
    try:
        conn = _broker_client()
        client = conn.default_channel.client  # the channel PINGs through the client's pool
    except Exception as exc:  # the database step after the send still records it
        log.warning("mail %s: no connection for the sent marker: %s", row.pk, exc)
    try:
        yield client
    finally:
        if conn is not None:
            try:
                conn.release()
            except Exception:
                pass


@contextmanager
def _mail_connection(row: OutboundEmail):
    """The mail backend's connection, opened by the caller and closed (SMTP ``QUIT``) after the
    sent marker: ``send()`` on a connection it opened itself would ``QUIT`` before returning,
    one more round trip between the server's acceptance and the marker."""
    smtp = get_connection()
    try:
        yield smtp
    finally:
        try:
            smtp.close()
        except Exception as exc:  # the server has the message already; only the goodbye failed
            log.warning("mail %s: closing the mail connection failed: %s", row.pk, exc)


def _remember_sent(row: OutboundEmail, client) -> None:
    """Record in the broker's Redis that the SMTP server accepted this row's message."""
    if client is None:
        return
    try:
        client.set(_sent_marker(row), "1", ex=SENT_MARKER_SECONDS)
    except Exception as exc:  # the database step below still records it
        log.warning("mail %s: could not write the sent marker: %s", row.pk, exc)


def _was_sent(row: OutboundEmail) -> bool:
    try:
        with _broker_client() as conn:
            return conn.default_channel.client.get(_sent_marker(row)) is not None
    except Exception:
        return False


def _record_sent(email_id: int) -> bool:
    """A row left ``sending`` whose message the SMTP server already accepted: mark it sent."""
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if row is None or row.status != S.SENDING:
            return False
        note = "邮件服务器已接收（发送后补记）"
        _move(row, S.SENT, kind="sent", note=note, extra={"sent_at": timezone.now()})
        return True


def _mark_sent(row: OutboundEmail) -> None:
    """Mark the row sent after the SMTP server accepted it, waiting out a database outage of
    up to ``MAIL_MARK_SENT_SECONDS``; past that the error is raised and the task's retry (or
    the sweep) finds the Redis marker and marks it without sending again."""
    deadline = time.monotonic() + settings.MAIL_MARK_SENT_SECONDS
    pause = 0.5
    while True:
        try:
            _mark(row, S.SENT, kind="sent", sent_at=timezone.now(), last_error="")
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            try:
                connection.close()  # a broken connection is opened anew on the next try
            except Exception:
                pass
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def outbound_email_send(*, email_id: int) -> str:
    """Send one outbox row (idempotent). Raises MailSendFailed so the task retries."""
    stuck = OutboundEmail.objects.filter(pk=email_id, status=S.SENDING).only("pk", "created_at").first()
    if stuck is not None and _was_sent(stuck) and _record_sent(email_id):
        return "sent"
    row = _claim(email_id)
    if row is None:
        return "skipped"
    with _marker_store(row) as markers, _mail_connection(row) as smtp:
        message = EmailMultiAlternatives(
            row.subject, row.body, settings.DEFAULT_FROM_EMAIL, list(row.to), connection=smtp
        )
        if row.html:
            message.attach_alternative(row.html, "text/html")
        try:
            smtp.open()
            message.send()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            failed = row.attempts >= settings.MAIL_MAX_ATTEMPTS
            _mark(
                row,
                S.FAILED if failed else S.PENDING,
                kind="failed" if failed else "send_error",
                note=error,
                last_error=error,
            )
            if failed:
                log.error("mail %s to %s failed after %s tries: %s", row.pk, row.to, row.attempts, error)
                return "failed"
            raise MailSendFailed(error) from exc
        _remember_sent(row, markers)
    _mark_sent(row)
    return "sent"


def outbound_email_sweep(*, now=None) -> list[int]:
    """Re-send rows left pending (broker outage, lost message) or stuck ``sending`` (worker
    killed mid-send) for longer than the grace period. Failed rows wait for an operator."""
    from django.db.models import Q

    from .enqueue import sweep_enqueue

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MAIL_SWEEP_GRACE_SECONDS)
    stale = OutboundEmail.objects.filter(
        Q(status=S.PENDING, created_at__lt=cutoff) | Q(status=S.SENDING, claimed_at__lt=cutoff)
    )
    return sweep_enqueue(_send_task(), stale)


def outbound_email_retry(*, email_id: int, actor) -> OutboundEmail:
    """An operator sends a failed e-mail again (its attempts start over)."""
    if not is_operator(actor):
        raise PermissionDenied("只有平台运营人员可以重新发送邮件。")
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if row is None:
            raise DomainError("该邮件不存在。")
        if row.status != S.FAILED:
            raise DomainError(
                f"该邮件当前状态为“{row.get_status_display()}”，只有发送失败的邮件可以重新发送。"
            )
        row = _move(
            row,
            S.PENDING,
            kind="retried",
            actor=actor,
            note="运营人员重新发送。",
            extra={"attempts": 0, "claimed_at": None},
        )
        enqueue_on_commit(_send_task(), row.pk)
    return row
