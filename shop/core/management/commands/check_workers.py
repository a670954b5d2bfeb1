"""``manage.py check_workers``: exit 0 when at least ``--min`` Celery workers answer a ping.

For a health check (a container's HEALTHCHECK, a monitoring probe): a worker that died and
was not restarted shows up here as a non-zero exit with a plain message, instead of as
submissions that quietly wait."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "检查 Celery worker 是否在运行（向每个 worker 发送 ping）。"

    def add_arguments(self, parser):
        parser.add_argument("--min", type=int, default=1, help="at least this many workers must answer")
        parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for answers")

    def handle(self, *args, min: int, timeout: float, **options):
        from shop.celery import app

        try:
            replies = app.control.ping(timeout=timeout) or []
        except Exception as exc:  # broker unreachable: no worker can be reached either
            raise CommandError(f"无法连接消息队列，无法检查 worker：{exc}")
        names = sorted(name for reply in replies for name in reply)
        if len(names) < min:
            raise CommandError(f"在运行的 Celery worker 只有 {len(names)} 个（至少需要 {min} 个）。")
        self.stdout.write(f"在运行的 Celery worker：{len(names)} 个（{', '.join(names)}）")
