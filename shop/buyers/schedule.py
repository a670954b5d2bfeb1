"""Periodic jobs of buying units, merged into beat by shop.celery."""

SCHEDULE = {
    # an approval step waiting two working days reminds its 审批人 (once per step)
    "buyers-approvals-remind": {"task": "shop.buyers.tasks.approvals_remind", "schedule": 900.0},
}
