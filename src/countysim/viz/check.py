"""Check the dashboard as a person sees it: a real server, headless Chromium, no network.

    python -m countysim.viz.check --screenshot dashboard.png [--steps 3] [--residents-k 20]

Starts `countysim-dashboard` on a free port, opens the page in Chromium (Playwright's
Python API driving the system browser, Debian's `chromium`), records the status and the
plots, moves levers (payment -> bundled, compare on, seed +1), presses Reset and Step,
and reports what changed and every host the page asked for (it must be this machine
only: Solara's JavaScript comes from solara-assets, not a CDN). tests/test_dashboard_browser.py
runs it; on a secure server it shows that the page works offline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    """The system Chromium, if installed."""
    for path in (*CHROMIUM, shutil.which("chromium") or ""):
        if path and Path(path).exists():
            return path
    return None


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(residents_k: int, county: str = "default", timeout_s: float = 90.0) -> Any:
    """Run countysim-dashboard on a free port until the block ends; yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "countysim.viz.serve", "--no-open", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--county", county, "--residents-k", str(residents_k)]
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below)
    # its own process group, stopped as a whole below: nothing outlives the check
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def server_log() -> str:
        log.seek(0)
        return log.read()[-1500:]

    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"countysim-dashboard exited with code {proc.returncode}:\n{server_log()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no dashboard at {url} after {timeout_s:.0f} s") from None
                time.sleep(0.3)
        yield url
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever of it is left."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)


# the plots' images: matplotlib figures arrive as blob: or data: URLs
PLOT_IMAGES = (
    "[...document.querySelectorAll('img')]"
    ".filter(e => e.src.startsWith('blob:') || e.src.startsWith('data:'))"
)
IMAGE_HASHES = f"""async () => Promise.all({PLOT_IMAGES}
  .map(async e => {{
    const bytes = await (await fetch(e.src)).arrayBuffer();
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...h.slice(0, 6)].map(x => x.toString(16).padStart(2, '0')).join('');
  }}))"""


def _images(page: Any) -> list[str]:
    """A short hash of the bytes of every plot image on the page, in page order."""
    return list(page.evaluate(IMAGE_HASHES))


PLOTS = 4  # the dashboard's plot images: rates, fund, difference, map


def _wait_plots(page: Any, timeout_ms: float) -> None:
    """Until every plot image is on the page (they follow the status card by a frame or
    more on a busy machine)."""
    page.wait_for_function(
        f"n => {PLOT_IMAGES}.length >= n",
        arg=PLOTS,
        timeout=timeout_ms,
    )


def _wait_status(page: Any, text: str, timeout_ms: float) -> None:
    page.wait_for_function(
        "t => (document.querySelector('.countysim-status') || {innerText: ''}).innerText"
        ".includes(t)",
        arg=text,
        timeout=timeout_ms,
    )


def _months(page: Any) -> int:
    """Months simulated, as the status card says (0 before the first)."""
    found = re.search(r"\((\d+) months", page.locator(".countysim-status").inner_text())
    return int(found.group(1)) if found else 0


def _play(page: Any, months: int, timeout_s: float) -> list[int]:
    """Press ▶ until `months` are simulated, then ❚❚; the month counts seen while it ran."""
    page.get_by_role("button", name="▶", exact=True).click()
    seen: list[int] = []
    deadline = time.monotonic() + timeout_s
    while (not seen or seen[-1] < months) and time.monotonic() < deadline:
        now = _months(page)
        if not seen or now != seen[-1]:
            seen.append(now)
        page.wait_for_timeout(100)
    page.get_by_role("button", name="❚❚", exact=True).click()
    return seen


def drive(
    url: str, steps: int, screenshot: Path | None, timeout_s: float = 90.0, play_months: int = 0
) -> dict:
    """Open the page, change levers, Reset, Step `steps` times, then ▶ to `play_months`.

    Returns what was seen: the status and the plots' bytes before and after, the month
    counts the status showed while ▶ ran (the page redraws as the months run in Mesa's
    background task), and every host the page asked for.
    """
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("no system Chromium (Debian: apt-get install chromium)")
    ms = timeout_s * 1000
    hosts: set[str] = set()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1600})
            page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
            t0 = time.monotonic()
            page.goto(url, wait_until="domcontentloaded")
            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for(timeout=ms)
            _wait_status(page, "Simulated through", ms)
            _wait_plots(page, ms)
            loaded_s = time.monotonic() - t0
            status0, images0 = page.locator(".countysim-status").inner_text(), _images(page)
            # levers: payment -> bundled (a Vuetify select), compare on, seed + 1 (keyboard)
            page.locator(".v-input", has_text="Payment").first.click()
            page.get_by_role("option", name="bundled", exact=True).click()
            page.get_by_text("Compare with fee-for-service baseline").click()
            seed = page.locator(".v-input", has_text="Seed").get_by_role("slider")
            seed.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "() => document.querySelector('[role=slider][aria-label=Seed]')"
                ".getAttribute('aria-valuenow') === '1'",
                timeout=ms,
            )
            page.wait_for_timeout(300)  # the slider reports its value on release
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_status(page, "payment=bundled", ms)
            t1 = time.monotonic()
            for _ in range(steps):
                step.click()
            _wait_status(page, f"({steps} months", ms)
            stepped_s = time.monotonic() - t1
            played = _play(page, play_months, timeout_s) if play_months > steps else []
            page.wait_for_timeout(500)  # the plots' images follow the status by a frame
            _wait_plots(page, ms)
            status1, images1 = page.locator(".countysim-status").inner_text(), _images(page)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return {
        "loaded_s": round(loaded_s, 1),
        "stepped_s": round(stepped_s, 1),
        "months_seen_while_playing": played,
        "status_before": status0,
        "status_after": status1,
        "images_before": images0,
        "images_after": images1,
        "hosts": sorted(hosts),
    }


def main(argv: list[str] | None = None) -> int:
    """Serve, drive, print what was seen (JSON)."""
    parser = argparse.ArgumentParser(prog="python -m countysim.viz.check", description=__doc__)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--play-months", type=int, default=0, help="then ▶ to this month")
    parser.add_argument("--residents-k", type=int, default=20)
    parser.add_argument("--county", default="default")
    args = parser.parse_args(argv)
    with server(args.residents_k, args.county) as url:
        seen = drive(url, args.steps, args.screenshot, play_months=args.play_months)
    print(json.dumps(seen, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
