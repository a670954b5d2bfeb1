default_app_config = "work.main.shop.apps.dashboard.apps.DashboardConfig"
