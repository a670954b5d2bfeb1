"""Run localstripe (a stateful fake Stripe API) on loopback only.

``localstripe`` binds every interface by default; this binds 127.0.0.1."""

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8420)
    args = parser.parse_args()
    from aiohttp import web
    from localstripe.server import app

    web.run_app(app, host="127.0.0.1", port=args.port, print=lambda *a: None)


if __name__ == "__main__":
    main()
