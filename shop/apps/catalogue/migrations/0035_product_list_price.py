from django.db import migrations, models


def fill_list_prices(apps, schema_editor):
    from shop.apps.catalogue.listprice import refresh_list_prices

    refresh_list_prices(
        product_model=apps.get_model("catalogue", "Product"),
        stock_record_model=apps.get_model("partner", "StockRecord"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0034_unstated_unit_and_lead_time"),
        ("partner", "0007_partneraddress_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="list_price",
            field=models.DecimalField(
                blank=True,
                db_index=True,
                decimal_places=2,
                editable=False,
                max_digits=12,
                null=True,
                verbose_name="列表价",
            ),
        ),
        migrations.RunPython(fill_list_prices, migrations.RunPython.noop),
    ]
