"""Periodic jobs of contracts, merged into beat by shop.celery."""

from django.conf import settings

SCHEDULE = {
    # 合同公告 of signed government contracts (《政府采购法实施条例》第五十条: within two working
    # days of signing); run every few minutes, publishing each contract once
    "contracts-publish-notices": {
        "task": "shop.contracts.tasks.contract_notices_publish",
        "schedule": float(getattr(settings, "CONTRACTS_NOTICE_CHECK_SECONDS", 300)),
    },
    # award orders without a contract and PDFs not rendered yet (a lost hook or task)
    "contracts-sweep": {
        "task": "shop.contracts.tasks.contracts_sweep",
        "schedule": float(getattr(settings, "CONTRACTS_SWEEP_SECONDS", 120)),
    },
}
