"""gunicorn settings of the web containers (deploy/docker-entrypoint.sh ``web``)."""

import os

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
