"""The house style of every figure: palette, type sizes, title block, provenance stamp, files.

Figures are drawn to be read at half an A4 width (:data:`PRINT_WIDTH_MM`, 105 mm) in a board
paper: each is :data:`FIGURE_WIDTH_IN` wide and no text in it is smaller than
:data:`MIN_FONT_PT`, which prints at :data:`MIN_PRINT_PT` or more at that width. Colours come
from the Okabe-Ito palette, which stays distinct for the common colour-vision deficiencies;
the baseline and the scenario keep one colour and one line style each in every figure, so
they also read in greyscale. The style is a matplotlib rc context entered while a figure is
drawn and saved (:func:`figure_style`), never set globally.
"""

import datetime
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from leftshift.config import Config  # noqa: E402
from leftshift.config.prices import PRICE_BASE  # noqa: E402
from leftshift.model.clock import Calendar  # noqa: E402

#: Okabe & Ito (2008), "Color Universal Design": eight colours distinct for most readers
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: colours of series that are not arms, in order: never black or vermillion, which mean
#: baseline and scenario (yellow last: it is pale)
PALETTE = tuple(
    OKABE_ITO[c] for c in ("blue", "bluish_green", "reddish_purple", "orange", "sky_blue", "yellow")
)
#: grey of reference lines (zero, thresholds): never a data series
REFERENCE_GREY = "#767676"
TEXT_GREY = "#4D4D4D"
GRID_GREY = "#DDDDDD"
#: every colour a figure may use besides the palette: text, reference lines, grid, bar edges
NEUTRAL_COLOURS = (TEXT_GREY, REFERENCE_GREY, GRID_GREY, "#FFFFFF")


@dataclass(frozen=True)
class ArmStyle:
    """How one arm is drawn everywhere: colour, line style and marker."""

    colour: str
    linestyle: str
    marker: str


#: baseline and scenario look the same in every figure
ARM_STYLES = {
    "baseline": ArmStyle(OKABE_ITO["black"], "--", "o"),
    "scenario": ArmStyle(OKABE_ITO["vermillion"], "-", "s"),
}

PRINT_WIDTH_MM = 105.0
MIN_PRINT_PT = 7.0
FIGURE_WIDTH_IN = 6.0
#: the smallest type in a figure: MIN_PRINT_PT once the figure is scaled to PRINT_WIDTH_MM
MIN_FONT_PT = 10.5
FONT_PT = 11.0
TITLE_PT = 13.5
PNG_DPI = 300
PNG_COMPRESSION = 3

RC: dict[Any, Any] = {  # keys: matplotlib rc names (typed as literals there)
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": MIN_FONT_PT,
    "legend.frameon": False,
    "figure.titlesize": TITLE_PT,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "grid.color": GRID_GREY,
    "grid.linewidth": 0.8,
    "lines.linewidth": 1.8,
    "lines.markersize": 5.0,
    "errorbar.capsize": 3.0,
    "hatch.linewidth": 0.8,
    "savefig.dpi": PNG_DPI,
    "svg.fonttype": "none",  # text stays text: small, searchable files
    "svg.hashsalt": "leftshift",  # the same figure gives the same SVG
}

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def figure_style() -> Iterator[None]:
    """The figures' rc settings for the duration of the block (drawing and saving)."""
    with plt.rc_context(RC):
        yield


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Draw a figure function's figure in :func:`figure_style`, whoever calls it."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with figure_style():
            return draw(*args, **kwargs)

    return wrapper


def first_financial_year(start_date: str, warmup_months: int) -> int | None:
    """The year reporting year 1's financial year starts, if reporting starts in an April.

    Reporting year 1 is the 12 calendar months after the warm-up (:class:`Calendar`); it is a
    financial year (April-March) exactly when its first month is April.
    """
    calendar = Calendar(start_date, warmup_months + 1, warmup_months)
    if calendar.month_of_year[warmup_months] != 4:
        return None
    return int(str(calendar.financial_year[warmup_months])[:4])


@dataclass(frozen=True)
class RunInfo:
    """What every figure says about its run: names for titles and legends, the stamp."""

    #: the experiment's name (``experiment.name``); the legend's name for the scenario arm
    experiment: str
    #: the experiment's one-line description, for titles (empty: the name is used)
    description: str
    place: str
    replications: int
    master_seed: int
    leftshift_version: str
    git_commit: str | None
    run_date: str
    #: ``finance.price_year``: the price base of money axes
    price_year: str
    #: True when the run compares a scenario with its baseline
    is_experiment: bool = True
    #: more provenance for the stamp, e.g. a sensitivity analysis's method and points
    detail: str = ""
    #: how this run differs from the usual one in a way a reader of one figure must know
    #: (the one-pool hospital; freed beds left idle), empty for the usual run
    variant: str = ""
    #: the calendar year in which reporting year 1's financial year starts (2025 for 2025/26),
    #: or None when reporting years are not financial years (the run does not report from April)
    first_financial_year: int | None = None

    @classmethod
    def from_config(
        cls,
        cfg: Config,
        prov: dict[str, Any],
        is_experiment: bool,
        run_date: str | None = None,
        detail: str = "",
    ) -> "RunInfo":
        """From a config and :func:`leftshift.report.rundir.provenance`; today by default."""
        return cls(
            experiment=cfg.experiment.name,
            description=cfg.experiment.description,
            place=cfg.place.name,
            replications=cfg.run.replications,
            master_seed=cfg.run.seed,
            leftshift_version=prov["leftshift_version"],
            git_commit=prov.get("git_commit"),
            run_date=run_date or datetime.date.today().isoformat(),
            price_year=cfg.finance.price_year,
            is_experiment=is_experiment,
            detail=detail,
            variant=variant_of(cfg),
            first_financial_year=first_financial_year(cfg.run.start_date, cfg.run.warmup_months),
        )

    def year_label(self, reporting_year: int) -> str:
        """A reporting year as the console names it: its financial year (2025/26), else Year 1."""
        if self.first_financial_year is None:
            return f"Year {int(reporting_year)}"
        start = self.first_financial_year + int(reporting_year) - 1
        return f"{start}/{(start + 1) % 100:02d}"

    def arm_label(self, arm: str) -> str:
        """The legend's name of an arm: ``Baseline`` or the scenario's name."""
        return {"baseline": "Baseline", "scenario": self.experiment}.get(arm, arm)

    def title(self, question: str) -> str:
        """A title that names the scenario (and any variant) and asks the figure's question."""
        variant = f" ({self.variant})" if self.variant else ""
        if not self.is_experiment:
            return f"Baseline, {self.place}{variant}: {question}"
        return f"{self.description or self.experiment} vs baseline{variant}: {question}"

    def stamp(self) -> str:
        """The provenance footer: what was run, how often, from which code, when."""
        commit = (self.git_commit or "unknown commit")[:7]
        if self.git_commit and self.git_commit.endswith("-dirty"):
            commit += " with uncommitted changes"
        what = f"{self.experiment} vs baseline" if self.is_experiment else "baseline only"
        parts = [
            f"{what}, place {self.place}",
            self.variant,
            self.detail,
            f"{self.replications} replication{'s' if self.replications != 1 else ''}",
            f"master seed {self.master_seed}",
            f"leftshift {self.leftshift_version} ({commit})",
            f"run {self.run_date}",
        ]
        return " | ".join(p for p in parts if p)

    def money_axis(self) -> str:
        """A money axis label with its price base (starred when :meth:`price_note` has a note)."""
        star = "*" if self.price_note() else ""
        return f"£ million,\n{self.price_year} prices{star}"

    def price_note(self) -> str:
        """The footnote of a money figure: empty at the one price base, else a warning.

        Runs made since costs were put on one price base (2024/25, NHS Cost Inflation Index)
        need no note; a run directory from before then mixed price years without an index.
        """
        return "" if self.price_year == PRICE_BASE else MIXED_PRICES_NOTE


def variant_of(cfg: Config) -> str:
    """What a figure's reader must know about how the run differs from the usual one."""
    parts = []
    if not cfg.hospital.specialty_pools:
        parts.append("one pooled hospital")
    if cfg.experiment.freed_capacity == "idle":
        parts.append("freed beds left idle")
    return ", ".join(parts)


#: the footnote of a money figure from a run made before the single price base
MIXED_PRICES_NOTE = (
    "* Price base: finance.price_year. This run predates the single price base: its unit costs"
    " are not inflated and a few are of other years; both arms use the same prices."
)

TITLE_LINE_IN = TITLE_PT * 1.25 / 72
TEXT_LINE_IN = FONT_PT * 1.3 / 72
STAMP_LINE_IN = MIN_FONT_PT * 1.3 / 72
EDGE_IN = 0.08
GAP_IN = 0.1


def wrap(fig: Figure, text: str, size: float, width_in: float, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width_in`` at ``size`` points (measured)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    limit = width_in * fig.dpi
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            width = renderer.get_text_width_height_descent(trial, prop, ismath=False)[0]
            if line and width > limit:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def finish(fig: Figure, run: RunInfo, title: str, subtitle: str, footnote: str = "") -> Figure:
    """Add the title block and the stamp, grow the figure to hold them, and lay it out.

    The figure's size when this is called is the size of its panels; the title, subtitle
    (the answer to the title's question, in words) and the footer (``footnote`` then the
    provenance stamp) are added above and below, so panels keep their size however long the
    text is. The panels are laid out by matplotlib's constrained layout when the figure is
    drawn, which spaces each row by what it holds (a legend, tick labels).
    """
    width, panels_height = fig.get_size_inches()
    text_width = width - 2 * EDGE_IN - 0.1  # a margin for rendering at another resolution
    title_lines = wrap(fig, title, TITLE_PT, text_width, bold=True)
    subtitle_lines = wrap(fig, subtitle, FONT_PT, text_width) if subtitle else []
    foot_lines = wrap(fig, footnote, MIN_FONT_PT, text_width) if footnote else []
    stamp_lines = wrap(fig, run.stamp(), MIN_FONT_PT, text_width)
    header = EDGE_IN + len(title_lines) * TITLE_LINE_IN + GAP_IN
    header += len(subtitle_lines) * TEXT_LINE_IN + GAP_IN
    footer = (len(foot_lines) + len(stamp_lines)) * STAMP_LINE_IN + EDGE_IN + GAP_IN
    height = panels_height + header + footer
    fig.set_size_inches(width, height)
    x = EDGE_IN / width
    fig.text(x, 1 - EDGE_IN / height, "\n".join(title_lines), ha="left", va="top",
             fontsize=TITLE_PT, fontweight="bold", linespacing=1.15)  # fmt: skip
    if subtitle_lines:
        top = EDGE_IN + len(title_lines) * TITLE_LINE_IN + GAP_IN
        fig.text(x, 1 - top / height, "\n".join(subtitle_lines), ha="left", va="top",
                 fontsize=FONT_PT, color=TEXT_GREY, linespacing=1.2)  # fmt: skip
    fig.text(x, EDGE_IN / height, "\n".join(foot_lines + stamp_lines), ha="left", va="bottom",
             fontsize=MIN_FONT_PT, color=TEXT_GREY, linespacing=1.2)  # fmt: skip
    panels = (0, footer / height, 1, 1 - (header + footer) / height)
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=panels, h_pad=0.06, w_pad=0.04))
    return fig


def new_figure(
    panel_heights: list[float] | float, ncols: int = 1, **kwargs: Any
) -> tuple[Figure, Any]:
    """A figure :data:`FIGURE_WIDTH_IN` wide with stacked panels of the given heights."""
    heights = [panel_heights] if isinstance(panel_heights, float | int) else panel_heights
    fig, axes = plt.subplots(
        len(heights),
        ncols,
        figsize=(FIGURE_WIDTH_IN, sum(heights)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
        **kwargs,
    )
    return fig, axes


#: widest a legend outside the axes may be: the figure less the room of a two-line y label
#: and its tick labels
LEGEND_WIDTH_IN = FIGURE_WIDTH_IN - 1.3


def outside_legend(
    ax: Any, handles: list, labels: list[str], above: bool, gap_in: float = 0.0, **kwargs: Any
) -> Any:
    """A legend above or below the axes, in as many columns as fit; the figure grows to hold it.

    Columns are dropped until the legend is no wider than :data:`LEGEND_WIDTH_IN`; a panel
    title is lifted above a legend above the axes. The figure is made taller by the legend's
    height, so the panels keep their size when the layout makes room for it. ``gap_in``:
    inches between the axes and a legend below (its tick labels).
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    offset = ScaledTranslation(0, -gap_in, fig.dpi_scale_trans)
    place = {
        "loc": "lower left" if above else "upper left",
        "bbox_to_anchor": (0, 1.0 if above else 0.0),
        "bbox_transform": ax.transAxes if above else ax.transAxes + offset,
        "borderaxespad": 0.2,
    }
    for ncol in range(len(labels), 0, -1):
        legend = ax.legend(handles, labels, ncol=ncol, **place, **kwargs)
        if legend.get_window_extent(renderer).width / fig.dpi <= LEGEND_WIDTH_IN:
            break
    legend_in = legend.get_window_extent(renderer).height / fig.dpi
    title = ax.get_title(loc=RC["axes.titlelocation"])
    if above and title:  # the panel's title goes above its legend
        ax.set_title(title, pad=legend_in * 72 + 6)
    width, height = fig.get_size_inches()
    fig.set_size_inches(width, height + legend_in)
    return legend


def save_figure(
    fig: Figure,
    directory: Path,
    stem: str,
    formats: Sequence[str] = ("png", "svg"),
    dpi: float = PNG_DPI,
) -> list[str]:
    """Write ``<stem>.png`` (at ``dpi``) and ``<stem>.svg``, or those of ``formats``; their names.

    Saving happens in :func:`figure_style` too: matplotlib makes some tick labels and reads
    the SVG settings only when it writes the file. The layout computed for the PNG is kept
    for the SVG (it does not depend on the resolution), and the PNG is compressed at level
    :data:`PNG_COMPRESSION` (a little larger than the default 6, and much faster to write).
    """
    names = []
    with figure_style():
        if "png" in formats:
            names.append(f"{stem}.png")
            fig.savefig(directory / names[-1], dpi=dpi,
                        pil_kwargs={"compress_level": PNG_COMPRESSION})  # fmt: skip
        if "svg" in formats:
            if names:
                fig.set_layout_engine("none")
            names.append(f"{stem}.svg")
            fig.savefig(directory / names[-1], metadata={"Date": None})
    return names
