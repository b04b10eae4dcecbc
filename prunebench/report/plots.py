"""Draw a figure CSV: one subplot per panel, a line per series, the published series dashed beside ours.

Our series with several seeds are drawn as the mean over seeds with a min–max band. Output is SVG
(vector: shown by the HTML and embedded by the PDF), deterministic (no date, fixed ids).
"""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from prunebench.evidence import chance_ceiling  # noqa: E402
from prunebench.report.sources import FigureData  # noqa: E402

matplotlib.rcParams.update({
    "svg.fonttype": "none", "svg.hashsalt": "prunebench", "font.size": 8, "axes.titlesize": 9,
    "legend.fontsize": 7, "axes.grid": True, "grid.alpha": 0.3,
})
MAX_COLUMNS = 3
PANEL_SIZE = (3.6, 2.6)  # inches per subplot
TITLE_CHARACTERS = 50  # per panel's width, before the figure's title wraps
LEGEND_ENTRIES = 10  # more series than this: a colour scale in their order instead of a legend


def _ordered(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(map(str, values)))


def _label(frame: pd.DataFrame, column: str) -> str | None:
    if column not in frame.columns:
        return None
    values = frame[column].dropna()
    return str(values.iloc[0]) if not values.empty else None


def _ours(ax, rows: pd.DataFrame, color: str, label: str) -> None:
    stats = rows.groupby("x")["y"].agg(["mean", "min", "max", "count"]).sort_index()
    seeds = rows["seed"].nunique() if "seed" in rows.columns else 1
    text = f"{label} (n={seeds} seeds)" if seeds > 1 else label
    ax.plot(stats.index, stats["mean"], color=color, marker="o", markersize=2.5, linewidth=1.3, label=text)
    if seeds > 1:
        ax.fill_between(stats.index, stats["min"], stats["max"], color=color, alpha=0.2, linewidth=0)


ACCURACY_AXIS = ("top-1", "accuracy")  # a y label naming one of these is a top-1 accuracy in %: chance is drawn


def _signal(ax, mine: pd.DataFrame | None, chance: float | None, accuracy: bool) -> str:
    """A dotted line at chance on an accuracy panel; and the note, for the panel's title, where our series measured
    nothing: every value at chance (`evidence.chance_ceiling`), or every value the same (e.g. mAP 0 throughout)."""
    if accuracy and chance is not None:
        ax.axhline(chance, color="0.4", linestyle=":", linewidth=1.0, label=f"chance ({chance:.3g} %)")
    y = pd.to_numeric(mine["y"], errors="coerce").dropna() if mine is not None else pd.Series(dtype=float)
    if y.empty:
        return ""
    if accuracy and chance is not None and y.max() <= chance_ceiling(chance):
        return "no signal: every run at chance"
    return f"no signal: our series is flat at {y.iloc[0]:.3g}" if len(y) > 1 and y.min() == y.max() else ""


def paper_points(table: pd.DataFrame | None, mine: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The paper's own (x, y) for the metrics our panel's axes draw (its `x_metric`, `y_metric`), per published
    method: a published cell that prints both numbers is one point."""
    if table is None or mine is None or not {"x_metric", "y_metric"} <= set(mine.columns):
        return {}
    values = table.assign(value=pd.to_numeric(table["value"], errors="coerce")).dropna(subset=["value"])
    wide = values.pivot_table(index=["method", "cell"], columns="metric", values="value", aggfunc="first")
    out = {}
    for x_metric, y_metric in mine[["x_metric", "y_metric"]].drop_duplicates().itertuples(index=False):
        if {x_metric, y_metric} <= set(wide.columns):
            for method, points in wide[[x_metric, y_metric]].dropna().groupby(level="method"):
                out[f"{method}: {y_metric} (paper)"] = points.set_axis(["x", "y"], axis=1).sort_values("x")
    return out


def draw(figure: FigureData, scale: str | None, out: Path) -> Path:
    """Write `out` (SVG) for our series at `scale` (None: the published series alone)."""
    ours = figure.series.get(scale) if scale else None
    published = figure.published
    frames = [f for f in (ours, published) if f is not None]
    panels = list(dict.fromkeys(p for f in frames for p in _ordered(f["panel"])))
    series_names = list(dict.fromkeys(s for f in frames for s in _ordered(f["series"])))
    colors = {s: f"C{i % 10}" for i, s in enumerate(series_names)}
    cols = min(MAX_COLUMNS, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(PANEL_SIZE[0] * cols, PANEL_SIZE[1] * rows), squeeze=False,
                             layout="constrained")
    for ax, panel in zip(axes.flat, panels, strict=False):
        mine = ours[ours["panel"].astype(str) == panel] if ours is not None else None
        theirs = published[published["panel"].astype(str) == panel] if published is not None else None
        present = [n for n in series_names if any(f is not None and (f["series"].astype(str) == n).any()
                                                   for f in (mine, theirs))]
        if len(present) > LEGEND_ENTRIES:  # too many for a legend: a colour scale in the panel's series order
            colors = {n: plt.get_cmap("viridis")(i / (len(present) - 1)) for i, n in enumerate(present)}
        for name in series_names:
            if mine is not None and not (part := mine[mine["series"].astype(str) == name]).empty:
                _ours(ax, part, colors[name], f"{name} (ours, {scale})")
            if theirs is not None and not (part := theirs[theirs["series"].astype(str) == name]).empty:
                part = part.sort_values("x")
                ax.plot(part["x"], part["y"], color=colors[name], linestyle="--", marker="x", markersize=3,
                        linewidth=1.1, label=f"{name} (published)")
        for i, (name, points) in enumerate(paper_points(figure.published_table, mine).items()):
            ax.scatter(points["x"], points["y"], marker="x", s=14, color=f"C{(len(series_names) + i) % 10}",
                       linewidths=1.0, label=name, zorder=3)
        labelled = [f for f in (mine, theirs) if f is not None and not f.empty]
        ax.set_xlabel(next((t for f in labelled if (t := _label(f, "x_label"))), "x"))
        y_label = next((t for f in labelled if (t := _label(f, "y_label"))), "y")
        ax.set_ylabel(y_label)
        note = _signal(ax, mine, figure.chance.get(scale) if scale else None,
                       any(word in y_label.lower() for word in ACCURACY_AXIS))
        ax.set_title(f"{panel}\n{note}" if note else panel, color="C3" if note else "black")
        if len(present) > LEGEND_ENTRIES:
            ax.text(0.01, 0.99, f"{len(present)} series, dark → light: {present[0]} … {present[-1]}",
                    transform=ax.transAxes, fontsize=5, va="top")
        else:
            ax.legend(loc="best", frameon=False)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    what = f"ours at {scale} scale (solid)" if scale else "not run: published series only"
    title = f"{figure.paper} · {figure.figure} — {what}" + ("; published (dashed)" if published is not None and scale else "")
    fig.suptitle(textwrap.fill(title, TITLE_CHARACTERS * cols), fontsize=9)  # whole, on as many lines as it needs
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
    return out
