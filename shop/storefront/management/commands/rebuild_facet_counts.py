"""Count and store the facets of every category whose stored counts are out of date (what the
``storefront.rebuild_facet_counts`` task does, here in the foreground: after a bulk import,
or to fill them the first time)."""

import time

from django.core.management.base import BaseCommand

from shop.storefront import facetcounts


class Command(BaseCommand):
    help = "统计并保存各分类的筛选计数（仅处理已过期的分类）"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="全部分类都重新统计")

    def handle(self, *args, **options):
        if options["all"]:
            facetcounts.facets_changed()
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total}")

        done = facetcounts.rebuild_stale(progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(
            f"已统计 {done['stored']} 个分类（共 {sum(done.values())} 个待统计），"
            f"用时 {time.monotonic() - started:.1f} 秒"
        )
