"""After the load test: every submission locust saw succeed is in the database and processed.

    DJANGO_SETTINGS_MODULE=bench.settings python bench/load/reconcile.py RESULTS.json [--wait 300]

Waits (up to --wait seconds) for the Celery worker to work off the backlog, then prints the
counts and exits 1 if any successful submission is missing or still unprocessed."""

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from shop.oem.models import OemOrder, OemStatus  # noqa: E402
from shop.quotes.models import QuoteRequest, RequestStatus, StepState, VendorQuote  # noqa: E402


def state(numbers: dict) -> dict:
    quotes = QuoteRequest.objects.filter(number__in=numbers["quotes"])
    oem = OemOrder.objects.filter(number__in=numbers["oem"])
    vendor_quotes = VendorQuote.objects.filter(request__number__in=numbers["quotes"])
    return {
        "quotes_found": quotes.count(),
        "quotes_unprocessed": quotes.filter(status=RequestStatus.SUBMITTED).count(),
        "quotes_by_status": Counter(quotes.values_list("status", flat=True)),
        "quote_steps_pending": quotes.filter(buyer_mail_state=StepState.PENDING).count()
        + vendor_quotes.filter(vendor_mail_state=StepState.PENDING).count(),
        "quote_steps_failed": quotes.filter(buyer_mail_state=StepState.FAILED).count()
        + vendor_quotes.filter(vendor_mail_state=StepState.FAILED).count(),
        "oem_found": oem.count(),
        "oem_unprocessed": oem.filter(status=OemStatus.SUBMITTED).count(),
        "oem_by_status": Counter(oem.values_list("status", flat=True)),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--wait", type=float, default=300)
    args = parser.parse_args()
    numbers = json.loads(Path(args.results).read_text(encoding="utf-8"))
    deadline = time.monotonic() + args.wait
    started = time.monotonic()
    while True:
        now = state(numbers)
        backlog = now["quotes_unprocessed"] + now["oem_unprocessed"] + now["quote_steps_pending"]
        if backlog == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    drained = time.monotonic() - started
    print(
        f"quote requests: {len(numbers['quotes'])} submitted (302), {now['quotes_found']} in the database, "
        f"{now['quotes_unprocessed']} unprocessed; by status {dict(now['quotes_by_status'])}; "
        f"mail steps pending {now['quote_steps_pending']}, failed {now['quote_steps_failed']}"
    )
    print(
        f"OEM orders: {len(numbers['oem'])} submitted (302), {now['oem_found']} in the database, "
        f"{now['oem_unprocessed']} unprocessed; by status {dict(now['oem_by_status'])}"
    )
    print(f"backlog worked off {drained:.0f} s after the load stopped")
    ok = (
        now["quotes_found"] == len(set(numbers["quotes"]))
        and now["oem_found"] == len(set(numbers["oem"]))
        and now["quotes_unprocessed"] == 0
        and now["oem_unprocessed"] == 0
        and now["quote_steps_pending"] == 0
        and now["quote_steps_failed"] == 0
    )
    print("reconciled: every successful submission is stored and processed" if ok else "NOT RECONCILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
