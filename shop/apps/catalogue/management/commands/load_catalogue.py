"""python manage.py load_catalogue [--path DIR] [--check]: the 湘慧商城 catalogue from YAML."""

from django.core.management.base import BaseCommand, CommandError

from shop.apps.catalogue.loading import CatalogueInvalid, catalogue_load, catalogue_read


class Command(BaseCommand):
    help = "校验并载入商品目录（catalog_fixtures/*.yaml）；可重复运行，数据有误时不做任何修改"

    def add_arguments(self, parser):
        parser.add_argument("--path", help="目录文件所在文件夹（默认 catalog_fixtures/）")
        parser.add_argument("--check", action="store_true", help="只校验，不写入数据库")

    def handle(self, *args, path=None, check=False, **options):
        try:
            catalogue = catalogue_read(path=path)
        except CatalogueInvalid as exc:
            lines = [f"商品目录数据有误（共 {len(exc.problems)} 处），未做任何修改："]
            lines += [f"  - {problem}" for problem in exc.problems]
            raise CommandError("\n".join(lines))
        if check:
            self.stdout.write(
                f"商品目录校验通过：{len(catalogue.categories)} 个分类，{len(catalogue.products)} 个商品条目。"
            )
            return
        result = catalogue_load(catalogue=catalogue)
        self.stdout.write(result.summary())
