"""Writes of the buyers app, by section: ``members`` (units, members, roles, invitations),
``budgets`` (budget lines and what documents hold of them), ``approvals`` (rules and the
unit's internal approval of documents). Callers import the functions from here."""

from .approvals import *  # noqa: F403
from .budgets import *  # noqa: F403
from .members import *  # noqa: F403
from .members import INVOICE_FIELDS, ORG_FIELDS  # noqa: F401
