"""Regenerate docs/dashboard.png: serve the dashboard, play about a year, take a screenshot.

    .venv/bin/python scripts/dashboard_screenshot.py [--days 365] [--out docs/dashboard.png]

Needs the dashboard extra, playwright and Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sim", "dashboard", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.goto(url)
            page.get_by_role("button", name="Reset").click(timeout=60_000)
            time.sleep(2)
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(
                "() => { const e = document.querySelector('[data-testid=kpi-day] .kpi-value');"
                f" return e !== null && parseInt(e.innerText) >= {args.days}; }}",
                timeout=600_000,
            )
            page.get_by_role("button", name="❚❚").click()
            time.sleep(4)
            page.screenshot(path=args.out, full_page=True)
            browser.close()
        print(f"wrote {args.out}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
