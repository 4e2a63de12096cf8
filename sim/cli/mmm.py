"""``marketsim export-mmm``: weekly MMM input with each channel's true contribution."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.cli.options import (
    WORKERS_HELP,
    add_scenario_options,
    check_out_file,
    load_scenario,
    nonnegative_int,
    parse_overrides,
    positive_int,
)
from sim.formatting import money, number, plural
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
    if seed is not None and seed < 0:
        raise ScenarioError(f"--seed {seed}: must be >= 0")
    return load_scenario(source, overrides), int(seed or 0), None


#: Realizations behind the expected ROAS columns by default.
DEFAULT_REPLICATIONS = 20


def _cmd_export(args) -> int:
    from sim.analysis.mmm import export_mmm

    out = check_out_file(args.out, suffix=".csv")
    scenario, seed, _ = _load(args.source, args.overrides, args.seed)
    paths = export_mmm(scenario, out, seed=seed, replication=args.replication, workers=args.workers,
                       progress=not args.quiet, replications=args.replications)
    if not args.quiet:
        data = pd.read_csv(paths[0])
        truth = pd.read_csv(paths[1])
        spend = [c for c in data.columns if c.startswith("spend_")]
        cv = (data[spend].std() / data[spend].mean()).to_dict()
        print(f"{scenario.name}: {plural(len(data), 'week')}, seed {seed}, realization {args.replication}, "
              f"truth over {plural(args.replications, 'realization')}")
        print("week-to-week variation of spend (coefficient of variation): "
              + ", ".join(f"{k.removeprefix('spend_')} {number(v)}" for k, v in cv.items()))
        for _, row in truth.iterrows():
            text = (f"  {row['channel']:<14} spend {money(row['spend_usd']):>8}  incremental bookings "
                    f"{money(row['incremental_bookings_usd']):>8}  ROAS {number(row['roas'])}")
            if "expected_roas" in truth:
                text += (f"  expected ROAS {number(row['expected_roas'])} [{number(row['expected_roas_low'])}, "
                         f"{number(row['expected_roas_high'])}], one realization +-{number(row['roas_realization_sd'])}")
            print(text)
        if "expected_roas" in truth:
            _print_precision(truth, args.replications)
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _print_precision(truth: pd.DataFrame, replications: int) -> None:
    """How sure the expected ROAS is: the interval's half-width relative to the ROAS, the channels
    (largest spend first) and what a +-25% interval would take."""
    from sim.analysis.mmm import TRUTH_PRECISION

    rows = truth[truth["channel"] != "all_channels"].sort_values("spend_usd", ascending=False)
    rows = pd.concat([rows, truth[truth["channel"] == "all_channels"]])
    target = f"+-{TRUTH_PRECISION:.0%}"
    print(f"expected ROAS 95% half-width relative to the ROAS over {plural(replications, 'realization')} "
          f"(largest spend first; realizations for {target} in brackets):")
    parts = []
    for _, row in rows.iterrows():
        relative, needed = row["expected_roas_relative_half_width"], row["replications_for_25pct"]
        parts.append(f"{row['channel']} " + (f"+-{relative:.0%}" if pd.notna(relative) else "n/a")
                     + (f" ({number(needed)})" if pd.notna(needed) else ""))
    print("  " + ", ".join(parts))


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export-mmm", help="weekly spend/revenue table for MMM tools, with each channel's true contribution",
        description="Export weekly MMM input (PyMC-Marketing, Robyn) and the ground-truth incremental "
        "revenue and ROI of each channel from counterfactual runs with common random numbers.",
    )
    p.add_argument("source", metavar="RUN_OR_SCENARIO", help="a `marketsim run` output folder or a scenario file")
    p.add_argument("--out", required=True, help="CSV file for the weekly data, e.g. mmm/data.csv")
    add_scenario_options(p, seed=False)
    p.add_argument("--seed", type=nonnegative_int, default=None, help="root seed, >= 0 (default: the run's, or 0)")
    p.add_argument("--realization", "--replication", dest="replication", type=nonnegative_int, default=0,
                   metavar="R", help="which replication of the seed the CSV shows (default 0)")
    p.add_argument("--replications", type=positive_int, default=DEFAULT_REPLICATIONS,
                   help="realizations averaged for the expected_roas columns and their 95%% interval "
                        f"(default {DEFAULT_REPLICATIONS}; 1: this realization only)")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress or summary")
    p.set_defaults(func=_cmd_export)
