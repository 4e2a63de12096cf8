"""Draw docs/bass_limit.png: marketsim in its Bass limit against the closed form.

    python scripts/bass_figure.py            # 100k customers, three published (p, q) pairs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim import run  # noqa: E402
from sim.analysis.validation import PUBLISHED_BASS, adoption_curve, bass_cumulative, bass_peak_time, bass_scenario, plot_bass_fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "bass_limit.png"))
    args = parser.parse_args()
    n = args.population
    years = 20.0
    curves = {}
    for name in ("cable_tv", "cell_phone", "radio"):
        p, q = PUBLISHED_BASS[name]
        curve = adoption_curve(run(bass_scenario(p, q, population=n, years=years), seed=17).timeseries, n)
        curves[name] = (p, q, curve)
        t = curve["years"].to_numpy()
        gap = abs(curve["adoption"].to_numpy() - bass_cumulative(t, p, q)).max()
        t_star = bass_peak_time(p, q)
        crossed = t[(curve["adoption"].to_numpy() >= 0.5 - p / (2 * q)).argmax()]
        print(f"{name:>10}: p={p:g} q={q:g}  largest gap {gap:.4f}  t*={t_star:.3f} y, "
              f"crossed F(t*) at {crossed:.3f} y ({100 * (crossed - t_star) / t_star:+.2f}%)", flush=True)
    p, q = PUBLISHED_BASS["radio"]
    sparse = adoption_curve(
        run(bass_scenario(p, q, population=n, years=years, network="small_world"), seed=17).timeseries, n)
    fig = plot_bass_fit(curves, sparse=("radio", sparse))
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
