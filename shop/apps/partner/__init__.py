default_app_config = "work.main.shop.apps.partner.apps.PartnerConfig"
