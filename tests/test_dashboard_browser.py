"""The dashboard as a person sees it: served, opened in headless Chromium, levers moved.

Needs the viz extra, Playwright (both in the dev extra) and Debian's `chromium`
(scripts/ensure_chromium.sh, which .ci/run sources). Without them the test is skipped
locally and fails under CI=true. The page must ask only this machine for anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

from countysim.viz.check import chromium_path, drive, server

MISSING = [m for m in ("solara", "playwright") if importlib.util.find_spec(m) is None]
if chromium_path() is None:
    MISSING.append("chromium")


def test_page_responds_to_levers_and_steps_offline(tmp_path):
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail(f"the dashboard's browser test needs {MISSING} under CI")
        pytest.skip(f"needs {MISSING}: pip install -e '.[dev]'; apt-get install chromium")
    shot = tmp_path / "dashboard.png"
    with server(residents_k=20) as url:
        seen = drive(url, steps=3, screenshot=shot, play_months=8)
    before, after = seen["status_before"], seen["status_after"]
    assert "nothing yet" in before and "payment=fee_for_service" in before
    # the levers moved: payment, compare mode and seed, applied by Reset
    assert "payment=bundled" in after and "arms: package vs baseline" in after
    assert "seed 1;" in after
    # Step x3: three calendar months simulated, and the numbers shown
    assert "Last month, package: in-county" in after
    # ▶ runs in Mesa's background task: the status redrew while the months ran, then paused
    months = seen["months_seen_while_playing"]
    assert months[0] == 3 and months[-1] >= 8 and len(months) >= 3
    assert f"Simulated through: 2024-{months[-1]:02d} ({months[-1]} months" in after
    # four plots (rates, fund, difference, map), each redrawn with different content
    assert len(seen["images_before"]) == len(seen["images_after"]) == 4
    assert not set(seen["images_before"]) & set(seen["images_after"])
    # offline: nothing was asked of any other host (no CDN, no telemetry)
    assert seen["hosts"] == [url.split("/")[2]]
    assert shot.stat().st_size > 50_000


def _no_network_namespace() -> bool:
    """True if this process may make a network namespace with nothing but loopback."""
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def test_page_works_with_no_network_at_all(tmp_path):
    """Server and browser in a network namespace with loopback only: no CDN can answer."""
    if MISSING:
        pytest.skip(f"needs {MISSING}")
    if not _no_network_namespace():
        pytest.skip("cannot make a network namespace here (unshare -n needs privileges)")
    shot = tmp_path / "offline.png"
    script = (
        "ip link set lo up 2>/dev/null; "
        "if python -c 'import socket; socket.create_connection((\"pypi.org\", 443), 3)' "
        "2>/dev/null; then echo 'network reachable' >&2; exit 3; fi; "
        f"exec {sys.executable} -m countysim.viz.check --steps 2 --screenshot {shot}"
    )
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert "Simulated through: 2024-02 (2 months" in seen["status_after"]
    assert len(seen["images_after"]) == 4 and shot.exists()


def _processes_serving(port: int) -> list[int]:
    """Pids whose command line names `--port <port>` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"--port" in args and args[args.index(b"--port") + 1 : args.index(b"--port") + 2] == [
            str(port).encode()
        ]:
            found.append(int(entry))
    return found


def test_no_server_process_outlives_the_check():
    """The served dashboard (countysim-dashboard becomes `solara run`) is stopped with its
    whole process group: no orphan keeps its port or memory after the block."""
    if "solara" in MISSING:
        pytest.skip("needs solara")
    with server(residents_k=10) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        running = _processes_serving(port)
        assert running, "the server runs inside the block"
    assert _processes_serving(port) == []
