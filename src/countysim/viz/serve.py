"""countysim-dashboard: serve the dashboard (viz/app.py) with Solara, offline.

    countysim-dashboard                               # default county, 100k residents
    countysim-dashboard --county xishui --residents-k 50 --port 8765

Solara's JavaScript comes from the solara-assets package on this machine (the assets
proxy), never from a CDN, so the page works with no network; telemetry is off.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from countysim.config.params import ConfigError
from countysim.viz.levers import COUNTIES, check

OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",  # serve solara-assets' copy of the CDN files
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
}


def command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The `solara run` command line and environment for these arguments."""
    env = {
        **os.environ,
        **OFFLINE_ENV,
        "COUNTYSIM_DASHBOARD_COUNTY": args.county,
        "COUNTYSIM_DASHBOARD_RESIDENTS_K": str(args.residents_k),
    }
    env.pop("VSCODE_PID", None)  # solara turns the assets proxy off inside VS Code
    env.pop("VSCODE_CWD", None)
    cmd = [sys.executable, "-m", "solara", "run", "countysim.viz.app"]
    # production: no file watching for hot reload (inotify instances run out on busy hosts)
    cmd += ["--host", args.host, "--port", str(args.port), "--no-check-version", "--production"]
    cmd += ["--no-open" if args.no_open else "--open"]
    return cmd, env


def main(argv: list[str] | None = None) -> int:
    """Check the arguments, then run the Solara server until interrupted."""
    parser = argparse.ArgumentParser(prog="countysim-dashboard", description=__doc__.split("\n")[0])
    parser.add_argument("--county", default="default", help=f"preset: {', '.join(COUNTIES)}")
    parser.add_argument("--residents-k", type=int, default=100, help="thousand residents")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-open", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    try:
        check({"county": args.county, "residents_k": args.residents_k})
    except ConfigError as exc:
        print(f"countysim-dashboard: {exc}", file=sys.stderr)
        return 2
    if importlib.util.find_spec("solara") is None:
        print(
            'countysim-dashboard: the dashboard needs the viz extra: pip install -e ".[viz]"',
            file=sys.stderr,
        )
        return 2
    cmd, env = command(args)
    # become the server (no child left behind when this process is stopped: a signal
    # reaches the server itself)
    os.execve(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
