"""Fit the MMM export with PyMC-Marketing and report what it recovers (the `mmm` extra).

A finding, not an assertion of recovery: the test prints each channel's fitted ROAS (posterior
mean and 94% interval) beside the truth's expected_roas and its 95% interval, and both
rankings; it checks only that the export loads unchanged and the fit runs. The fit is the
README's: geometric adstock (8 weeks), logistic saturation, the export's own column description.

For an export made elsewhere (e.g. the README's full-size one) the same report as a script:

    python tests/test_mmm_fit.py mmm/data.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

#: Sampler settings: enough for a stable posterior mean on 2 years of weeks, quick on 2 cores.
SAMPLER = dict(draws=500, tune=500, chains=2, random_seed=1)


def recovery(csv: str | Path, sampler: dict = SAMPLER) -> pd.DataFrame:
    """Fit the export at ``csv`` (with its .json and _truth.csv beside it); per channel: spend,
    the truth's expected ROAS and interval, the fitted ROAS (posterior mean, 94% interval) and
    both ranks (1 = highest ROAS)."""
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    csv = Path(csv)
    columns = json.loads(csv.with_suffix(".json").read_text())
    data = pd.read_csv(csv, parse_dates=[columns["date_column"]])
    truth = pd.read_csv(csv.with_name(f"{csv.stem}_truth.csv")).set_index("channel")
    mmm = MMM(date_column=columns["date_column"], channel_columns=columns["channel_columns"],
              target_column=columns["target_column"], control_columns=columns["control_columns"] or None,
              adstock=GeometricAdstock(l_max=8), saturation=LogisticSaturation())
    mmm.fit(data.drop(columns=columns["target_column"]), data[columns["target_column"]],
            progressbar=False, **sampler)
    total = mmm.data.get_channel_contributions(original_scale=True).sum("date")
    rows = []
    for column in columns["channel_columns"]:
        channel = column.removeprefix("spend_")
        spend = float(data[column].sum())
        draws = total.sel(channel=column).to_numpy().ravel() / spend if spend else None
        t = truth.loc[channel]
        rows.append({
            "channel": channel, "spend_usd": spend,
            "expected_roas": t.get("expected_roas", t["roas"]),
            "expected_roas_low": t.get("expected_roas_low", float("nan")),
            "expected_roas_high": t.get("expected_roas_high", float("nan")),
            "realization_roas": t["roas"],
            "fitted_roas": float(draws.mean()) if spend else float("nan"),
            "fitted_low": float(pd.Series(draws).quantile(0.03)) if spend else float("nan"),
            "fitted_high": float(pd.Series(draws).quantile(0.97)) if spend else float("nan"),
        })
    table = pd.DataFrame(rows).set_index("channel")
    table["truth_rank"] = table["expected_roas"].rank(ascending=False).astype(int)
    table["fitted_rank"] = table["fitted_roas"].rank(ascending=False).astype(int)
    table["intervals_overlap"] = ((table["fitted_low"] <= table["expected_roas_high"])
                                  & (table["expected_roas_low"] <= table["fitted_high"]))
    return table


def describe(table: pd.DataFrame) -> str:
    lines = ["PyMC-Marketing ROAS (mean [94%]) vs the truth's expected_roas [95%]:"]
    for channel, r in table.sort_values("spend_usd", ascending=False).iterrows():
        lines.append(f"  {channel:<8} spend ${r['spend_usd']:>9,.0f}  truth {r['expected_roas']:6.2f} "
                     f"[{r['expected_roas_low']:5.2f}, {r['expected_roas_high']:5.2f}] (this realization "
                     f"{r['realization_roas']:5.2f})  fitted {r['fitted_roas']:6.2f} [{r['fitted_low']:5.2f}, "
                     f"{r['fitted_high']:5.2f}]  rank {r['truth_rank']} / {r['fitted_rank']}"
                     + ("" if r["intervals_overlap"] else "  (intervals apart)"))
    rho = table["expected_roas"].corr(table["fitted_roas"], method="spearman")
    lines.append(f"  ranking by truth: {', '.join(table['expected_roas'].sort_values(ascending=False).index)}; "
                 f"by fit: {', '.join(table['fitted_roas'].sort_values(ascending=False).index)} "
                 f"(Spearman {rho:.2f}); intervals overlap for {int(table['intervals_overlap'].sum())} of {len(table)}")
    return "\n".join(lines)


def test_pymc_marketing_fits_the_export_and_reports_recovery(tmp_path, capsys):
    pytest.importorskip("pymc_marketing")
    from sim.cli import main

    from .conftest import SCENARIOS

    out = tmp_path / "data.csv"
    assert main(["export-mmm", str(SCENARIOS / "mmm_flights.toml"), "--out", str(out), "--replications", "3",
                 "--set", "market.population=3000", "--quiet"]) == 0
    columns = json.loads(out.with_suffix(".json").read_text())
    data = pd.read_csv(out)
    # the export loads unchanged: every column the description names is there
    for name in [columns["date_column"], columns["target_column"], *columns["channel_columns"],
                 *columns["control_columns"]]:
        assert name in data.columns, name
    table = recovery(out, dict(SAMPLER, draws=200, tune=200))
    with capsys.disabled():
        print("\n" + describe(table))
    assert table["fitted_roas"].notna().all() and (table["fitted_high"] >= table["fitted_low"]).all()


if __name__ == "__main__":
    print(describe(recovery(sys.argv[1])))
