"""manage.py import_products FILE — bulk import of products (JSON lines or our catalogue YAML).

A JSON-lines file is read line by line and written in batches, so memory stays flat whatever
its length (the last line printed gives the process's peak memory). A large file into a small
catalogue on PostgreSQL builds the search and listing indexes after the rows are written
(``importing.indexes_built_after``; ``--keep-indexes`` keeps them up to date row by row)."""

import resource
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shop.apps.catalogue import importing
from shop.apps.catalogue.loading import CatalogueInvalid


class Command(BaseCommand):
    help = "批量导入商品：JSON Lines（每行一个商品）或商城目录 YAML；按商品编码（UPC）去重，可重复导入"

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON Lines 文件（.jsonl）或目录 YAML 文件/目录")
        parser.add_argument("--batch-size", type=int, default=2000, help="每批写入的商品数（默认 2000）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
        parser.add_argument("--max-errors-shown", type=int, default=50, help="最多列出多少条错误行")
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="大批量导入时也不先停用、后重建检索索引（PostgreSQL）",
        )

    def handle(self, path, batch_size, no_progress, max_errors_shown, keep_indexes=False, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"文件不存在：{source}")
        started = time.perf_counter()
        if importing.is_catalogue_yaml(source):
            try:
                summary = importing.import_catalogue_yaml(source)
            except CatalogueInvalid as exc:
                lines = [f"商品目录数据有误（共 {len(exc.problems)} 处），未做任何修改："]
                lines += [f"  - {problem}" for problem in exc.problems]
                raise CommandError("\n".join(lines))
            self.stdout.write(f"{summary}（用时 {time.perf_counter() - started:.1f} 秒）")
            return
        importer = importing.ProductImporter(batch_size=batch_size)
        try:
            items, total = importing.read_source(source)
        except importing.RowError as exc:
            raise CommandError(str(exc))
        defer = not keep_indexes and importing.should_defer_indexes(rows=total)
        importer.refresh_list_prices_later = defer
        with importing.indexes_built_after(defer=defer, then=importer.refresh_stale_list_prices) as deferred:
            if deferred:
                self.stdout.write(f"大批量导入：{deferred} 个索引与外键在写入后重建")
            with tqdm(total=total, unit="件", desc="导入商品", disable=no_progress, file=sys.stderr) as bar:
                report = importer.import_rows(items, on_progress=bar.update)
            written = time.perf_counter()
        if deferred:
            self.stdout.write(
                f"写入 {written - started:.1f} 秒，重建索引与外键 {time.perf_counter() - written:.1f} 秒"
            )
        importing.after_import()
        elapsed = time.perf_counter() - started

        for line, message in report.errors[:max_errors_shown]:
            self.stderr.write(f"第 {line} 行：{message}")
        if len(report.errors) > max_errors_shown:
            self.stderr.write(f"……另有 {len(report.errors) - max_errors_shown} 行错误未列出")
        self.stdout.write(
            f"导入完成：新增 {report.created} 件，更新 {report.updated} 件，未变 {report.unchanged} 件，"
            f"错误 {len(report.errors)} 行，用时 {elapsed:.1f} 秒"
        )
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
        self.stdout.write(f"进程内存峰值 {peak_kb / 1024:.0f} MB")
