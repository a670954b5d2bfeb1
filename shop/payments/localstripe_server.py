"""Run localstripe (a stateful fake Stripe API) on loopback only.

``localstripe`` binds every interface by default; this binds 127.0.0.1 and starts from an
empty store. With ``--webhook-url`` (``make run``), it also sends its signed webhook events to
the mall, signed with STRIPE_WEBHOOK_SECRET, as real Stripe would."""

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url", default="", help="deliver webhook events to this URL")
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_localstripe"),
        help="signing secret (default: $STRIPE_WEBHOOK_SECRET)",
    )
    args = parser.parse_args()
    from aiohttp import web
    from localstripe.server import app
    from localstripe.webhooks import register_webhook

    if args.webhook_url:
        register_webhook("mall", args.webhook_url, args.webhook_secret, None)
        print(f"localstripe: webhooks -> {args.webhook_url}", flush=True)
    print(f"localstripe on http://127.0.0.1:{args.port}", flush=True)
    web.run_app(app, host="127.0.0.1", port=args.port, print=lambda *a: None)


if __name__ == "__main__":
    main()
