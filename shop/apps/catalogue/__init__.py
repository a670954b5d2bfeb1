default_app_config = "work.main.shop.apps.catalogue.apps.CatalogueConfig"
