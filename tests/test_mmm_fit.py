"""Fit the MMM export with PyMC-Marketing and report what it recovers (the `mmm` extra).

A finding, not an assertion of recovery: the test prints the fitted channel ROAS beside the
truth's expected_roas and only checks that the export loads unchanged and the fit runs.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main

from .conftest import SCENARIOS

pytest.importorskip("pymc_marketing")


def test_pymc_marketing_fits_the_export_and_reports_recovery(tmp_path, capsys):
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    out = tmp_path / "data.csv"
    assert main(["export-mmm", str(SCENARIOS / "mmm_flights.toml"), "--out", str(out), "--replications", "3",
                 "--set", "market.population=3000", "--quiet"]) == 0
    columns = json.loads(out.with_suffix(".json").read_text())
    data = pd.read_csv(out, parse_dates=[columns["date_column"]])
    mmm = MMM(date_column=columns["date_column"], channel_columns=columns["channel_columns"],
              control_columns=columns["control_columns"] or None,
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation())
    mmm.fit(data.drop(columns=columns["target_column"]), data[columns["target_column"]],
            draws=200, tune=200, chains=2, progressbar=False, random_seed=1)
    contributions = mmm.compute_channel_contribution_original_scale().mean(("chain", "draw")).sum("date")
    truth = pd.read_csv(tmp_path / "data_truth.csv").set_index("channel")
    rows = []
    for column in columns["channel_columns"]:
        channel = column.removeprefix("spend_")
        spend = data[column].sum()
        fitted = float(contributions.sel(channel=column)) / spend if spend else float("nan")
        rows.append((channel, fitted, truth.loc[channel, "expected_roas"]))
    with capsys.disabled():
        print("\nPyMC-Marketing ROAS vs expected_roas:")
        for channel, fitted, expected in rows:
            print(f"  {channel:<10} fitted {fitted:8.3f}  truth {expected:8.3f}")
    assert all(pd.notna(f) for _, f, _ in rows)
