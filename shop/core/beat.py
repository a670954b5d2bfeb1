"""Exactly one scheduler: beat sends periodic jobs only while it holds the leader lock.

Two ``celery beat`` processes started by mistake (a second host, a restarted container that
left its old one running) would each send every sweep, reminder and expiry job. With
``CELERY_BEAT_SCHEDULER = "shop.core.beat:LeaderScheduler"`` each beat, before every tick,
takes or renews a lock in the broker's Redis (``xh:beat-leader``, ``BEAT_LEADER_SECONDS``);
only the holder sends jobs, the others wait and try again. If the leader dies, its lock
expires and another beat takes over within ``BEAT_LEADER_SECONDS``. With Redis down no beat
leads (nothing could be sent anyway)."""

from __future__ import annotations

import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger("shop.beat")

LOCK_KEY = "xh:beat-leader"

# Take the lock when it is free, renew it when it is ours; 1 when we lead.
_LEAD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('expire', KEYS[1], ARGV[2])
  return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return 1
end
return 0
"""


def broker_redis() -> redis.Redis:
    url = settings.CELERY_BROKER_URL.replace("redis+socket://", "unix://")
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


class LeaderScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.ident = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leader_seconds = int(getattr(settings, "BEAT_LEADER_SECONDS", 30))
        self.leading = False
        self._redis = None
        super().__init__(*args, **kwargs)

    def _lead(self) -> bool:
        try:
            if self._redis is None:
                self._redis = broker_redis()
            leading = bool(self._redis.eval(_LEAD, 1, LOCK_KEY, self.ident, self.leader_seconds))
        except redis.RedisError as exc:
            logger.warning("beat %s: cannot reach Redis for the leader lock: %s", self.ident, exc)
            leading = False
        if leading != self.leading:
            logger.warning(
                "beat %s: %s", self.ident, "now the leader" if leading else "not the leader, waiting"
            )
            self.leading = leading
        return leading

    def tick(self, *args, **kwargs):
        if not self._lead():
            return max(1.0, self.leader_seconds / 3)
        # wake at least a few times per lock period so the lock is renewed in time
        return min(super().tick(*args, **kwargs), self.leader_seconds / 3)

    def close(self):
        try:
            if self.leading and self._redis is not None:
                # give the lock up at once if it is still ours (another beat may lead now)
                self._redis.eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
                    1,
                    LOCK_KEY,
                    self.ident,
                )
        except redis.RedisError:
            pass
        super().close()
