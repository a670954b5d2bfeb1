"""gunicorn settings of the web containers (deploy/docker-entrypoint.sh ``web``)."""

import json
import os

from gunicorn.glogging import Logger

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # above nginx's upstream keepalive reuse, below its idle close
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# X-Forwarded-* are read from nginx only (the compose network); the application's own list is
# TRUSTED_PROXIES
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
control_socket_disable = True


class JsonAccessLogger(Logger):
    """One JSON object per request on the access log (with LOG_FORMAT=json, like the application's
    own lines), carrying the request id the application answered with (X-Request-ID)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        line = {
            "time": self.now().strip("[]"),
            "logger": "gunicorn.access",
            "remote": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": atoms["{x-request-id}o"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # a log line must never fail a request
            self.exception("access log")


if os.environ.get("LOG_FORMAT", "plain") == "json":
    logger_class = JsonAccessLogger
