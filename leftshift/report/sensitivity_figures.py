"""Sensitivity figures: one ranked bar chart per output; each takes the indices table.

One-way gives a tornado (the output at each parameter's low and high value around the base);
Morris a bar of mu* (mean absolute elementary effect) with its 95% interval; Sobol the
first-order (S1) and total (ST) indices with their 95% intervals. The most influential
parameter is at the top. Figures follow the house style of :mod:`figure_style`.
"""

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from leftshift.report.figure_style import (
    OKABE_ITO,
    REFERENCE_GREY,
    RunInfo,
    finish,
    new_figure,
    outside_legend,
    styled,
)

LOW_COLOUR, HIGH_COLOUR = OKABE_ITO["blue"], OKABE_ITO["orange"]
HIGH_HATCH = "//"
ERROR_STYLE = {"ecolor": OKABE_ITO["black"], "lw": 1}
#: the unit of a money output in the sensitivity tables
MONEY_UNIT = "GBP"
QUESTION = "which inputs move the result most?"


def _ranked(indices: pd.DataFrame, output: str) -> pd.DataFrame:
    """One output's rows, most influential last (barh draws bottom-up, so it shows on top)."""
    return indices[indices["output"] == output].sort_values("rank", ascending=False)


def _height(n_parameters: int) -> float:
    return 0.45 * max(n_parameters, 3)


def _parameter_labels(ax: Axes, rows: pd.DataFrame) -> None:
    """Parameter keys as y tick labels, broken before the last part to keep them narrow."""
    y = np.arange(len(rows))
    labels = [
        key if len(key) <= 24 else key.rsplit(".", 1)[0] + ".\n" + key.rsplit(".", 1)[1]
        for key in rows["parameter"].astype(str)
    ]
    ax.set_yticks(y, labels, linespacing=1.0)
    ax.set_ylim(-0.6, len(rows) - 0.4)


def _plain_numbers(ax: Axes, scale: float = 1.0) -> None:
    """At most five ticks, labelled with thousands separators and no offset (1e6) text.

    ``scale`` divides the labels (1e6 for an axis of pounds labelled in £ million).
    """
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda v, _: f"{v / scale:,.4g}" if abs(v / scale) < 10 else f"{v / scale:,.0f}"
        )
    )


def _unit(unit: str, run: RunInfo) -> tuple[str, str, float]:
    """The axis unit, the footnote and the label scale: money is in £ million, price-based."""
    if unit == MONEY_UNIT:
        return run.money_axis().replace("\n", " "), run.price_note(), 1e6
    return unit, "", 1.0


def _top(rows: pd.DataFrame, measure: str) -> str:
    """The most influential parameter and those with no effect, or that none moved it."""
    if rows.empty or not np.isfinite(rows[measure]).any() or rows[measure].abs().max() == 0:
        return "No parameter moved it."
    text = f"Most influential: {rows.iloc[-1]['parameter']}."
    idle = int((rows[measure].abs() == 0).sum())
    if idle:
        text += f" {idle} of {len(rows)} had no effect in this run (no bar)."
    return text


def _error(value: pd.Series, conf: pd.Series, low: float = 0.0, high: float = np.inf):
    """Error bars of ``value`` +/- ``conf`` clipped to what the index can be ([low, high])."""
    v, c = value.to_numpy(float), conf.to_numpy(float)
    below = np.clip(v - np.clip(v - c, low, high), 0, None)
    above = np.clip(np.clip(v + c, low, high) - v, 0, None)
    return np.vstack([below, above])


def _legend(ax: Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    outside_legend(ax, handles, labels, above=True)


@styled
def tornado_figure(
    indices: pd.DataFrame, output: str, label: str, unit: str, run: RunInfo
) -> Figure:
    """One-way tornado: the output with each parameter at its low and at its high value."""
    rows = _ranked(indices, output)
    base = float(rows["base"].iloc[0]) if len(rows) else 0.0
    fig, axes = new_figure(_height(len(rows)))
    ax = axes[0, 0]
    y = np.arange(len(rows))
    h = 0.38
    ax.barh(y + h / 2, rows["at_high"] - base, h, left=base, color=HIGH_COLOUR, hatch=HIGH_HATCH,
            edgecolor="white", linewidth=0.3, label="Parameter at its high value")  # fmt: skip
    ax.barh(y - h / 2, rows["at_low"] - base, h, left=base, color=LOW_COLOUR,
            label="Parameter at its low value")  # fmt: skip
    ax.axvline(base, color=REFERENCE_GREY, lw=0.9)
    _parameter_labels(ax, rows)
    axis, note, scale = _unit(unit, run)
    ax.set_xlabel(axis)
    _plain_numbers(ax, scale)
    ax.grid(axis="x")
    _legend(ax)
    rows = rows.assign(swing=(rows["at_high"] - rows["at_low"]).abs())
    return finish(
        fig,
        run,
        run.title(QUESTION),
        f"{label}. {_top(rows, 'swing')} Each parameter at the low and the high end of its"
        " range, the others at base; the line is the base value. Ranked by the swing.",
        note,
    )


@styled
def morris_figure(
    indices: pd.DataFrame, output: str, label: str, unit: str, run: RunInfo
) -> Figure:
    """Morris screening: mu* of each parameter with its 95% interval."""
    rows = _ranked(indices, output)
    fig, axes = new_figure(_height(len(rows)))
    ax = axes[0, 0]
    y = np.arange(len(rows))
    error = _error(rows["mu_star"], rows["mu_star_conf"])
    ax.barh(y, rows["mu_star"], xerr=error, color=LOW_COLOUR, error_kw=ERROR_STYLE)
    _parameter_labels(ax, rows)
    axis, note, scale = _unit(unit, run)
    ax.set_xlabel(f"mu*, mean absolute elementary effect\n({axis})")
    _plain_numbers(ax, scale)
    ax.grid(axis="x")
    return finish(
        fig,
        run,
        run.title(QUESTION),
        f"{label}. {_top(rows, 'mu_star')} mu*: how much it moves when a parameter steps across"
        " its range; bars: 95% bootstrap interval (mu* is never below 0). Ranked by mu*.",
        note,
    )


@styled
def sobol_figure(indices: pd.DataFrame, output: str, label: str, unit: str, run: RunInfo) -> Figure:
    """Sobol indices: first-order (S1) and total (ST) with their 95% intervals."""
    rows = _ranked(indices, output)
    fig, axes = new_figure(_height(len(rows)))
    ax = axes[0, 0]
    y = np.arange(len(rows))
    h = 0.38
    total, first = (
        _error(rows["ST"], rows["ST_conf"], 0, 1),
        _error(rows["S1"], rows["S1_conf"], 0, 1),
    )
    ax.barh(y + h / 2, rows["ST"], h, xerr=total, color=HIGH_COLOUR, hatch=HIGH_HATCH,
            edgecolor="white", linewidth=0.3, error_kw=ERROR_STYLE, label="Total (ST)")  # fmt: skip
    ax.barh(y - h / 2, rows["S1"], h, xerr=first, color=LOW_COLOUR, error_kw=ERROR_STYLE,
            label="First order (S1)")  # fmt: skip
    ax.axvline(0, color=REFERENCE_GREY, lw=0.8)
    _parameter_labels(ax, rows)
    ax.set_xlabel("Share of the output's variance")
    ax.grid(axis="x")
    _legend(ax)
    return finish(
        fig,
        run,
        run.title(QUESTION),
        f"{label}. {_top(rows, 'ST')} S1: share of its variance from the parameter alone; ST:"
        " with its interactions; bars: 95% bootstrap interval, within 0 to 1. Ranked by ST.",
    )


FIGURES = {"oneway": tornado_figure, "morris": morris_figure, "sobol": sobol_figure}


def sensitivity_figure(
    method: str, indices: pd.DataFrame, output: str, label: str, unit: str, run: RunInfo
) -> Figure:
    """The ranked bar chart of one output (``label``, in ``unit``) for a method."""
    return FIGURES[method](indices, output, label, unit, run)
