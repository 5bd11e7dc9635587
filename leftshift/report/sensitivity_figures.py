"""Sensitivity figures: one ranked bar chart per output; each takes the indices table.

One-way gives a tornado (the output at each parameter's low and high value around the base);
Morris a bar of mu* (mean absolute elementary effect) with its 95% interval; Sobol the
first-order (S1) and total (ST) indices with their 95% intervals. The most influential
parameter is at the top.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from leftshift.report.figures import _title, _top  # noqa: E402

LOW_COLOUR, HIGH_COLOUR = "#1b9e77", "#d95f02"


def _ranked(indices: pd.DataFrame, output: str) -> pd.DataFrame:
    """One output's rows, most influential last (barh draws bottom-up, so it shows on top)."""
    return indices[indices["output"] == output].sort_values("rank", ascending=False)


def _size(n_parameters: int) -> tuple[float, float]:
    return 9.0, 2.4 + 0.4 * max(n_parameters, 3)


def _plain_numbers(ax) -> None:
    """At most five ticks, labelled with thousands separators and no offset (1e6) text."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}")
    )


def tornado_figure(indices: pd.DataFrame, output: str, label: str, unit: str, place: str) -> Figure:
    """One-way tornado: the output with each parameter at its low and at its high value."""
    rows = _ranked(indices, output)
    base = float(rows["base"].iloc[0]) if len(rows) else 0.0
    fig, ax = plt.subplots(figsize=_size(len(rows)))
    y = np.arange(len(rows))
    h = 0.38
    ax.barh(y + h / 2, rows["at_high"] - base, h, left=base, color=HIGH_COLOUR,
            label="parameter at high")  # fmt: skip
    ax.barh(y - h / 2, rows["at_low"] - base, h, left=base, color=LOW_COLOUR,
            label="parameter at low")  # fmt: skip
    ax.axvline(base, color="#333333", lw=0.9)
    ax.set_yticks(y, rows["parameter"], fontsize=8)
    ax.set_xlabel(unit)
    _plain_numbers(ax)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=8.5)
    _title(
        fig,
        f"One-way sensitivity ({place})",
        f"{label}. Each parameter at the low and the high end of its range, the others at base;"
        " the line is the base value. Ranked by the swing.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def morris_figure(indices: pd.DataFrame, output: str, label: str, unit: str, place: str) -> Figure:
    """Morris screening: mu* of each parameter with its 95% interval."""
    rows = _ranked(indices, output)
    fig, ax = plt.subplots(figsize=_size(len(rows)))
    y = np.arange(len(rows))
    ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], color=HIGH_COLOUR, capsize=2)
    ax.set_yticks(y, rows["parameter"], fontsize=8)
    ax.set_xlabel(f"mu*, mean absolute elementary effect ({unit})")
    _plain_numbers(ax)
    ax.grid(axis="x", alpha=0.3)
    _title(
        fig,
        f"Morris screening ({place})",
        f"{label}. mu*: how much it moves when a parameter steps across its range; bars: 95%"
        " bootstrap interval. Ranked by mu*.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def sobol_figure(indices: pd.DataFrame, output: str, label: str, unit: str, place: str) -> Figure:
    """Sobol indices: first-order (S1) and total (ST) with their 95% intervals."""
    rows = _ranked(indices, output)
    fig, ax = plt.subplots(figsize=_size(len(rows)))
    y = np.arange(len(rows))
    h = 0.38
    ax.barh(y + h / 2, rows["ST"], h, xerr=rows["ST_conf"], color=HIGH_COLOUR, capsize=2,
            label="total (ST)")  # fmt: skip
    ax.barh(y - h / 2, rows["S1"], h, xerr=rows["S1_conf"], color=LOW_COLOUR, capsize=2,
            label="first order (S1)")  # fmt: skip
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, rows["parameter"], fontsize=8)
    ax.set_xlabel("Share of the output's variance")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=8.5)
    _title(
        fig,
        f"Sobol indices ({place})",
        f"{label}. S1: share of its variance from the parameter alone; ST: with its interactions;"
        " bars: 95% bootstrap interval. Ranked by ST.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


FIGURES = {"oneway": tornado_figure, "morris": morris_figure, "sobol": sobol_figure}


def sensitivity_figure(
    method: str, indices: pd.DataFrame, output: str, label: str, unit: str, place: str
) -> Figure:
    """The ranked bar chart of one output (``label``, in ``unit``) for a method."""
    return FIGURES[method](indices, output, label, unit, place)
