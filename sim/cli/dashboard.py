"""``marketsim dashboard [SCENARIO] [--port N] [--host H]``: serve the SolaraViz app.

Kept free of heavy imports: the command checks the scenario and the ``dashboard`` extra,
then runs ``solara run sim/dashboard/app.py --production`` (everything served locally, no
CDN) with the scenario passed through the environment.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from sim.cli.options import UsageError, add_scenario_options, load_scenario, parse_overrides

__all__ = ["register", "server_command", "DEFAULT_SCENARIO"]

DEFAULT_SCENARIO = "scenarios/baseline.toml"
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be between 1 and 65535")
    return value


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
            "--production", "--no-open"]


def server_env(scenario_path: str, overrides: dict, seed: int) -> dict[str, str]:
    """The environment the app reads its scenario from (plus no telemetry)."""
    env = dict(os.environ)
    env.update(
        MARKETSIM_DASHBOARD_SCENARIO=str(Path(scenario_path).resolve()),
        MARKETSIM_DASHBOARD_OVERRIDES=json.dumps(overrides),
        MARKETSIM_DASHBOARD_SEED=str(seed),
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="false",
    )
    return env


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UsageError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); choose another port") from None


def _cmd_dashboard(args: argparse.Namespace) -> int:
    load_scenario(args.scenario, args.overrides)  # a bad scenario stops here, with exit status 2
    missing = [m for m in ("solara", "mesa.visualization") if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        raise UsageError("the dashboard needs the 'dashboard' extra: pip install 'marketsim[dashboard]'")
    _check_port_free(args.host, args.port)
    print(f"marketsim dashboard: http://{args.host}:{args.port}/  ({args.scenario}; Ctrl+C stops)", flush=True)
    env = server_env(args.scenario, parse_overrides(args.overrides), args.seed)
    command = server_command(args.host, args.port)
    if os.name == "posix":
        # Become the server: a signal sent to `marketsim dashboard` (Ctrl+C, kill) stops it,
        # and no orphaned server is left behind.
        os.execve(command[0], command, env)
    return subprocess.call(command, env=env)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "dashboard", help="serve the live classroom dashboard (Mesa SolaraViz) in the browser",
        description="Serve a live dashboard of SCENARIO: sliders for the main levers, Step/Play/Reset, "
                    "funnel, money and incremental ROI charts. Works offline.",
    )
    p.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO, help=f"scenario file (default {DEFAULT_SCENARIO})")
    add_scenario_options(p)
    p.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=_cmd_dashboard)
