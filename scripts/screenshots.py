"""Screenshots of the main pages for each demo role, at desktop and phone width, taken from a
running store (``make run`` in another terminal): ``make screenshots`` writes them under
var/screenshots/ as <role>-<page>-<width>.png.

Logs in with the demo accounts' passwords from var/demo-accounts.json (written by make run)."""

import argparse
import json
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "var" / "demo-accounts.json"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}

# role (demo username) → e-mail, pages (name, path)
ROLES = {
    "anonymous": (
        None,
        [
            ("home", "/"),
            ("catalogue", "/catalogue/"),
            ("search", "/search/?q=会议"),
            ("partners", "/partners/"),
        ],
    ),
    "unit-admin": (
        "unit-admin@xianghui.example",
        [
            ("unit", "/buyers/unit/"),
            ("members", "/buyers/unit/members/"),
            ("budgets", "/buyers/unit/budgets/"),
            ("rules", "/buyers/unit/rules/"),
        ],
    ),
    "unit-handler": (
        "unit-handler@xianghui.example",
        [
            ("unit", "/buyers/unit/"),
            ("quotes", "/quotes/mine/"),
            ("sourcing", "/sourcing/"),
            ("contracts", "/contracts/"),
            ("contract", r"find:/contracts/|/contracts/HT\d+/"),
            ("fulfilment", "/fulfilment/"),
            # a page whose address is not known beforehand: "find:" + pages to follow, by link pattern
            ("supplier", r"find:/sourcing/|/sourcing/WX\d+/|/suppliers/\d+/"),
        ],
    ),
    "unit-approver": (
        "unit-approver@xianghui.example",
        [
            ("unit", "/buyers/unit/"),
            ("approvals", "/buyers/unit/approvals/"),
            ("financing", r"find:/financing/|/financing/RZ\d+/"),
        ],
    ),
    "unit-finance": (
        "unit-finance@xianghui.example",
        [("unit", "/buyers/unit/"), ("orders", "/payments/orders/")],
    ),
    "vendor": (
        "vendor@xianghui.example",
        [
            ("dashboard", "/dashboard/"),
            ("quotes", "/dashboard/quotes/"),
            ("sourcing", "/dashboard/sourcing/"),
        ],
    ),
    "operator": (
        "operator@xianghui.example",
        [
            ("dashboard", "/dashboard/"),
            ("tasks", "/dashboard/tasks/"),
            ("financing", "/dashboard/financing/"),
            ("callbacks", "/dashboard/callbacks/"),
        ],
    ),
}


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    with page.expect_navigation():
        page.click("button[name='login_submit']")


def resolve(page, base_url: str, path: str) -> str | None:
    """A plain path as it is; ``find:<start>|<pattern>|<pattern>…``: from the start page, follow
    the first link matching each pattern in turn (None when a page has no such link)."""
    if not path.startswith("find:"):
        return path
    start, *patterns = path.removeprefix("find:").split("|")
    page.goto(f"{base_url}{start}")
    for pattern in patterns:
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        found = next((h for h in hrefs if re.fullmatch(pattern, h.split("?")[0])), None)
        if found is None:
            return None
        page.goto(f"{base_url}{found}")
    return page.url.removeprefix(base_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "var" / "screenshots"))
    parser.add_argument("--only", nargs="*", help="roles to take (default: all)")
    args = parser.parse_args()
    if not ACCOUNTS.exists():
        print("找不到 var/demo-accounts.json：请先在另一个终端运行 make run。", file=sys.stderr)
        return 1
    passwords = json.loads(ACCOUNTS.read_text())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    username_of = {"vendor@xianghui.example": "vendor", "operator@xianghui.example": "operator"}
    taken = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for role, (email, pages) in ROLES.items():
                if args.only and role not in args.only:
                    continue
                context = browser.new_context(locale="zh-CN")
                page = context.new_page()
                if email:
                    log_in(page, args.base_url, email, passwords[username_of.get(email, role)])
                for name, wanted in pages:
                    path = resolve(page, args.base_url, wanted)
                    if path is None:
                        print(f"跳过 {role}-{name}：没有找到页面 {wanted}", file=sys.stderr)
                        continue
                    for width_name, (width, height) in WIDTHS.items():
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(f"{args.base_url}{path}")
                        target = out / f"{role}-{name}-{width_name}.png"
                        page.screenshot(path=str(target), full_page=True)
                        taken += 1
                context.close()
        finally:
            browser.close()
    print(f"{taken} 张截图已写入 {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
