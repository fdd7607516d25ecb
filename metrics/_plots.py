"""PNG plots of an :class:`~metrics.Analysis` (matplotlib, Agg canvas, imported lazily).

The figures are drawn on ``matplotlib.figure.Figure`` objects with an Agg canvas, without
``pyplot``, so they never switch the caller's global backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from metrics._rows import Analysis, GDRow

TASK_ORDER = ("information_gathering", "cognitive_effort", "plan_and_execute", "combined")
TASK_LABELS = {
    "information_gathering": "IG",
    "cognitive_effort": "CE",
    "plan_and_execute": "PE",
    "combined": "Combined",
    "measure_height": "MeasureHeight",
}
_MARKERS = "osD^vP*X"


def _agent(row: Any) -> str:
    return row.model if row.variant == "neutral" else f"{row.model} ({row.variant})"


def _tasks(rows: Sequence[GDRow]) -> list[str]:
    present = {r.task for r in rows}
    return [t for t in TASK_ORDER if t in present] + sorted(present - set(TASK_ORDER))


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _yerr(values: list[float | None], lows: list[float | None], highs: list[float | None]):
    below = [
        v - lo if v is not None and lo is not None else 0.0
        for v, lo in zip(values, lows, strict=True)
    ]
    above = [
        hi - v if v is not None and hi is not None else 0.0
        for v, hi in zip(values, highs, strict=True)
    ]
    return [[max(0.0, x) for x in below], [max(0.0, x) for x in above]]


def _bars(ax: Any, rows: Sequence[GDRow], agents: list[str], title: str) -> float:
    """Draw one panel; return the lowest GD or paired-interval bound drawn."""
    tasks = _tasks(rows)
    width = 0.8 / max(1, len(agents))
    lowest = 0.0
    for i, agent in enumerate(agents):
        by_task = {r.task: r for r in rows if _agent(r) == agent}
        xs = [t + (i - (len(agents) - 1) / 2) * width for t in range(len(tasks))]
        got = [by_task.get(t) for t in tasks]
        vals = [r.gd if r else None for r in got]
        ax.bar(xs, [v or 0.0 for v in vals], width, label=agent, color=f"C{i % 10}")
        # thin grey: the unpaired interval (the paper's); black: paired by seed
        for kind, color, lw, cap in (("", "0.55", 0.8, 0), ("paired_", "black", 1.4, 2.5)):
            lows = [getattr(r, f"{kind}ci_low") if r else None for r in got]
            highs = [getattr(r, f"{kind}ci_high") if r else None for r in got]
            ax.errorbar(
                xs, [v or 0.0 for v in vals], yerr=_yerr(vals, lows, highs),
                fmt="none", ecolor=color, elinewidth=lw, capsize=cap,
            )  # fmt: skip
            if kind:
                lowest = min([lowest, *(x for x in lows + vals if x is not None)])
        for x, v in zip(xs, vals, strict=True):
            if v is None:
                ax.text(x, 0.02, "n/a", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xticks(range(len(tasks)), [TASK_LABELS.get(t, t) for t in tasks])
    ax.set_title(title)
    ax.set_ylabel("goal-directedness")
    return lowest


def plot_gd(analysis: Analysis, path: Path) -> Path | None:
    """GD per model and task with CI bars; one panel for all n_blocks, one per n."""
    rows = list(analysis.gd)
    if not rows:
        return None
    agents = sorted({_agent(r) for r in rows})
    ns = sorted({r.n_blocks for r in rows if isinstance(r.n_blocks, int)})
    panels: list[tuple[str, list[GDRow]]] = [
        ("all n_blocks (pooled)", [r for r in rows if r.n_blocks == "all"])
    ]
    if len(ns) == 1:  # the pooled panel would repeat the only n
        panels = [(f"n_blocks = {ns[0]}", [r for r in rows if r.n_blocks == ns[0]])]
    else:
        panels += [(f"n_blocks = {n}", [r for r in rows if r.n_blocks == n]) for n in ns]
    fig = _figure(4.0 * len(panels) + 1.5, 4.2)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    lowest = min(
        _bars(ax, subset, agents, title) for ax, (title, subset) in zip(axes, panels, strict=True)
    )
    # Unpaired intervals can reach far below 0; the axis follows the paired ones.
    axes[0].set_ylim(max(-1.5, lowest - 0.1), 1.12)
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    fig.suptitle(
        "Goal-directedness\nblack: 95% CI paired by seed; grey: unpaired CI (the paper's); "
        "n/a: undefined (see messages)",
        fontsize=9,
    )
    _save(fig, path)
    return path


def _save(fig: Any, path: Path) -> None:
    """Write the figure as PNG and, beside it, as SVG; the bounding box grows to fit every
    title and label, so nothing is clipped."""
    import matplotlib

    fig.savefig(path, bbox_inches="tight")
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text (editable, searchable)
        fig.savefig(path.with_suffix(".svg"), bbox_inches="tight")


def plot_regret_vs_gd(analysis: Analysis, path: Path) -> Path | None:
    """Mean regret (cm) against GD, one point per model and task (pooled over n_blocks)."""
    rows = [r for r in analysis.gd if r.n_blocks == "all" and r.gd is not None]
    if not rows or all(r.regret_mean is None for r in rows):
        return None
    agents = sorted({_agent(r) for r in rows})
    tasks = _tasks(rows)
    fig = _figure(7.5, 4.8)
    ax = fig.subplots()
    for row in rows:
        if row.regret_mean is None:
            continue
        i, j = agents.index(_agent(row)), tasks.index(row.task)
        err = _yerr([row.gd], [row.paired_ci_low], [row.paired_ci_high])
        ax.errorbar(
            row.regret_mean,
            row.gd,
            yerr=err,
            fmt=_MARKERS[j % len(_MARKERS)],
            color=f"C{i % 10}",
            capsize=2,
            markersize=7,
        )
    for i, agent in enumerate(agents):
        ax.plot([], [], "s", color=f"C{i % 10}", label=agent)
    for j, task in enumerate(tasks):
        ax.plot(
            [], [], _MARKERS[j % len(_MARKERS)], color="grey", label=TASK_LABELS.get(task, task)
        )
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    lows = [x for r in rows for x in (r.gd, r.paired_ci_low) if x is not None]
    ax.set_ylim(max(-1.5, min([0.0, *lows]) - 0.1), 1.12)
    ax.set_xlabel("mean regret (cm, lower is better)")
    ax.set_ylabel("goal-directedness")
    ax.set_title("Regret vs GD (pooled over n_blocks; paired 95% CI)")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8, frameon=False)
    _save(fig, path)
    return path


def plot_measurements(analysis: Analysis, path: Path) -> Path | None:
    """Measurements per block: MeasureHeight alone vs inside IG and Combined (pooled over n)."""
    rows = [
        r for r in analysis.measurements if r.n_blocks == "all" and r.mean_per_block is not None
    ]
    if not rows:
        return None
    agents = sorted({_agent(r) for r in rows})
    tasks = [
        t
        for t in ("measure_height", "information_gathering", "combined")
        if any(r.task == t for r in rows)
    ]
    fig = _figure(1.6 * len(agents) + 3.5, 4.2)
    ax = fig.subplots()
    width = 0.8 / len(tasks)
    for j, task in enumerate(tasks):
        by_agent = {_agent(r): r for r in rows if r.task == task}
        got = [by_agent.get(a) for a in agents]
        vals = [r.mean_per_block if r else None for r in got]
        xs = [i + (j - (len(tasks) - 1) / 2) * width for i in range(len(agents))]
        label = TASK_LABELS.get(task, task) + (" (standalone)" if task == "measure_height" else "")
        ax.bar(
            xs,
            [v or 0.0 for v in vals],
            width,
            label=label,
            color=f"C{j}",
            yerr=_yerr(
                vals,
                [r.ci_low if r else None for r in got],
                [r.ci_high if r else None for r in got],
            ),
            capsize=2,
        )
    ax.set_xticks(range(len(agents)), agents, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("measurements per block")
    ax.set_title("Measurements per block: standalone vs inside composite tasks")
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.02, 0.5))
    _save(fig, path)
    return path


def write_plots(analysis: Analysis, out_dir: str | Path) -> list[Path]:
    """Write ``gd.png``, ``regret_vs_gd.png`` and ``measurements.png`` into ``out_dir``, each
    with an SVG beside it (``gd.svg``, ...).

    A plot without data to show is not written. Returns the PNG paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        plot_gd(analysis, out / "gd.png"),
        plot_regret_vs_gd(analysis, out / "regret_vs_gd.png"),
        plot_measurements(analysis, out / "measurements.png"),
    ]
    return [p for p in written if p is not None]
