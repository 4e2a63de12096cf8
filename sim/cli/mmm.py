"""``marketsim export-mmm``: weekly MMM input with each channel's true contribution."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.cli.options import WORKERS_HELP, add_scenario_options, load_scenario, parse_overrides
from sim.scenario.schema import Scenario, ScenarioError

__all__ = ["register"]


def _load(source: str, overrides: list[str], seed: int | None) -> tuple[Scenario, int, int | None]:
    """A run folder (run.json + timeseries.csv) or a scenario file -> scenario, seed, saved revenue check."""
    path = Path(source)
    if path.is_dir():
        info_path = path / "run.json"
        if not info_path.exists():
            raise ScenarioError(f"{source}: a folder without run.json; give a `marketsim run` folder or a scenario")
        info = json.loads(info_path.read_text())
        scenario = Scenario.from_dict(info["scenario"], source=str(info_path))
        if overrides:
            scenario = scenario.with_overrides(parse_overrides(overrides))
        return scenario, int(info["seed"] if seed is None else seed), None
    if not path.exists():
        raise ScenarioError(f"{source}: no such run folder or scenario file")
    return load_scenario(source, overrides), int(seed or 0), None


def _cmd_export(args) -> int:
    from sim.analysis.mmm import export_mmm

    scenario, seed, _ = _load(args.source, args.overrides, args.seed)
    if args.replications < 1:
        raise ScenarioError(f"--replications {args.replications}: must be >= 1")
    paths = export_mmm(scenario, args.out, seed=seed, replication=args.replication, workers=args.workers,
                       progress=not args.quiet, replications=args.replications)
    if not args.quiet:
        data = pd.read_csv(paths[0])
        truth = pd.read_csv(paths[1])
        spend = [c for c in data.columns if c.startswith("spend_")]
        cv = (data[spend].std() / data[spend].mean()).round(2).to_dict()
        print(f"{scenario.name}: {len(data)} weeks, seed {seed}, replication {args.replication}")
        print("week-to-week variation of spend (coefficient of variation): "
              + ", ".join(f"{k.removeprefix('spend_')} {v}" for k, v in cv.items()))
        with pd.option_context("display.float_format", lambda v: f"{v:,.3g}", "display.width", 140):
            print(truth.to_string(index=False))
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export-mmm", help="weekly spend/revenue table for MMM tools, with each channel's true contribution",
        description="Export weekly MMM input (PyMC-Marketing, Robyn) and the ground-truth incremental "
        "revenue and ROI of each channel from counterfactual runs with common random numbers.",
    )
    p.add_argument("source", metavar="RUN_OR_SCENARIO", help="a `marketsim run` output folder or a scenario file")
    p.add_argument("--out", required=True, help="CSV file for the weekly data, e.g. mmm/data.csv")
    add_scenario_options(p, seed=False)
    p.add_argument("--seed", type=int, default=None, help="root seed (default: the run's, or 0)")
    p.add_argument("--replication", type=int, default=0, help="which replication of the seed (default 0)")
    p.add_argument("--replications", type=int, default=1,
                   help="realizations for the expected contribution columns (default 1: this realization only)")
    p.add_argument("--workers", type=int, default=None, help=WORKERS_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress or summary")
    p.set_defaults(func=_cmd_export)
