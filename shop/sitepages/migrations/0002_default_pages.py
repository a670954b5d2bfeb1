from django.db import migrations

# The standard pages from shop/sitepages/content.py, created once; operators edit them in the
# dashboard afterwards (an existing page is never overwritten).
from shop.sitepages.content import DEFAULT_PAGES, SLUGS


def create_pages(apps, schema_editor):
    SitePage = apps.get_model("sitepages", "SitePage")
    for slug in SLUGS:
        title, body = DEFAULT_PAGES[slug]
        SitePage.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("sitepages", "0001_initial")]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
