"""Writes of 人才开发外包: typed functions, one transaction each, every state change a guarded
transition with its audit event, the other party told by notice and e-mail. A refusal raises a
DomainError (Chinese) and stores nothing.

Price rules live in ``pricing`` (one function per rule); here they are applied:
- a proposal's monthly rate per level is at least the vendor's listed price of that level (its
  起价: the catalogue says "一级开发师 20000 元起" without a unit; the mall bills this service per
  person and month);
- the order has one payment stage per month of Σ rate × headcount; accepting a month's report
  sets that stage to the month's amount (absences pro rata) and opens it as a payable due on
  ``payment_due_date(acceptance date, contract term)``;
- an early end (with at least OUTSOURCING_NOTICE_DAYS of notice) makes the month of the end date
  the last (its workdays up to that date), and cancels the later months' stages."""

from .common import notice_days
from .months import (
    engagement_end_early,
    last_month,
    month_facts,
    month_payable_open,
    next_month_to_report,
    report_accept,
    report_reject,
    report_submit,
)
from .proposals import ProfileInput, ProposalInput, order_cancelled, proposal_accept, proposal_submit
from .requests import RequestInput, outsourcing_request_submit, outsourcing_request_withdraw

__all__ = [
    "ProfileInput",
    "ProposalInput",
    "RequestInput",
    "engagement_end_early",
    "last_month",
    "month_facts",
    "month_payable_open",
    "next_month_to_report",
    "notice_days",
    "order_cancelled",
    "outsourcing_request_submit",
    "outsourcing_request_withdraw",
    "proposal_accept",
    "proposal_submit",
    "report_accept",
    "report_reject",
    "report_submit",
]
