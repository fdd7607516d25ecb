"""``telic compare``: paired differences between models, prompt variants, protocols, conditions
or two run folders, on the seeds they share.

The unit of pairing is the seed: for every cell (task, n_blocks and every other key that
varies) each compared value's episode on seed s is set against the baseline value's episode on
the same seed, so the differences remove the variation between seeds.

* **return, regret, completion**: the mean over shared seeds of (value - baseline), with a
  percentile bootstrap interval that resamples those seeds (with replacement).
* **GD**: each arm's GD comes from :func:`metrics.analyze` on that arm's records; the interval
  of the difference resamples the shared seeds of the composite-task episodes, holding each
  arm's capability ceiling and random baseline at their estimates (so it leaves out the
  uncertainty of the capability estimates; each arm's own GD interval is in its report).

Writes ``compare.json``, ``compare.md`` and ``compare.svg``/``compare.png`` (one panel per
measure, one row per compared cell) into the output folder.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scenarios._store import OutputFolderError, read_episodes
from scenarios._terminal import escape_controls
from telic.errors import TelicError

KEYS = ("model", "variant", "protocol", "condition")
"""What ``--by`` may name (``run`` with two folders)."""
MEASURES = ("gd", "return", "regret", "completion")
CONFIDENCE = 0.95


class CompareError(TelicError, ValueError):
    """A comparison that cannot be made (nothing varies, no shared seeds, unknown value)."""


@dataclass
class Comparison:
    """The result of :func:`compare_runs`."""

    by: str
    """The key whose values are compared."""
    baseline: str
    """The value the others are compared with."""
    rows: list[dict[str, Any]] = field(default_factory=list)
    """One row per (value, cell, measure): ``diff``, ``ci_low``, ``ci_high``, ``n_seeds``,
    the two arms' means, and what the interval resamples."""
    files: list[Path] = field(default_factory=list)
    """Files written."""


def _load(folder: Path) -> list[dict[str, Any]]:
    records = read_episodes(folder).records
    if not records:
        raise OutputFolderError(f"{str(folder)!r} has no recorded episodes")
    return records


def _value(record: dict[str, Any], key: str) -> str:
    return str(record.get(key))


def _pick_by(records: list[dict[str, Any]], by: str | None) -> str:
    varying = [k for k in KEYS if len({_value(r, k) for r in records}) > 1]
    if by is not None:
        if by not in KEYS:
            raise CompareError(f"--by must be one of {', '.join(KEYS)}, got {by!r}")
        if by not in varying:
            raise CompareError(
                f"every episode has the same {by}; keys that vary here: "
                f"{', '.join(varying) or 'none'}"
            )
        return by
    if len(varying) != 1:
        raise CompareError(
            f"say what to compare with --by (keys that vary here: {', '.join(varying) or 'none'})"
        )
    return varying[0]


def _bootstrap(
    diffs: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    idx = rng.integers(0, diffs.size, size=(n_resamples, diffs.size))
    means = diffs[idx].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _per_seed(records: list[dict[str, Any]], measure: str) -> dict[int, float]:
    """Seed -> the measure (mean over repeated samples of a seed)."""
    values: dict[int, list[float]] = defaultdict(list)
    for r in records:
        if r.get("stop_reason") == "error":
            continue
        if measure == "completion":
            values[int(r["seed"])].append(float(bool(r.get("completed"))))
        elif measure == "return" and r.get("completed") and r.get("return") is not None:
            values[int(r["seed"])].append(float(r["return"]))
        elif measure == "regret" and r.get("completed"):
            regret = (r.get("info") or {}).get("regret")
            if isinstance(regret, int | float):
                values[int(r["seed"])].append(float(regret))
    return {s: float(np.mean(v)) for s, v in values.items()}


def _gd_parts(records: list[dict[str, Any]], settings: dict[str, Any]) -> dict[tuple, Any]:
    """(model, variant, task, n_blocks) -> (gd, baseline, ceiling) from metrics.analyze."""
    import metrics

    analysis = metrics.analyze(
        records, mc_iterations=settings["mc_iterations"], n_resamples=100, seed=settings["seed"]
    )
    parts = {}
    for row in analysis.to_dict()["gd"]:
        if row.get("gd") is None or row.get("n_blocks") == "all":
            continue
        key = (row["model"], row["variant"], row["task"], row["n_blocks"])
        parts[key] = (row["gd"], row["baseline"], row["ceiling"])
    return parts


def compare_runs(
    runs: list[Path],
    *,
    by: str | None = None,
    baseline: str | None = None,
    out: Path | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
    mc_iterations: int = 1000,
) -> Comparison:
    """Compare the values of ``by`` in one run folder, or two run folders (``by="run"``).

    Raises:
        CompareError, OutputFolderError: nothing to compare, or a bad ``--by``/``--baseline``.
    """
    if not 1 <= len(runs) <= 2:
        raise CompareError(f"give one run folder or two, got {len(runs)}")
    if len(runs) == 2:
        if by not in (None, "run"):
            raise CompareError("with two run folders the comparison is between the folders")
        names = [str(p) for p in runs]
        if names[0] == names[1]:
            names = [f"{names[0]} (1)", f"{names[1]} (2)"]
        records = [{**r, "run": names[i]} for i, p in enumerate(runs) for r in _load(p)]
        by = "run"
    else:
        records = _load(runs[0])
        by = _pick_by(records, by)
    values = list(dict.fromkeys(_value(r, by) for r in records))
    base = values[0] if baseline is None else baseline
    if base not in values:
        raise CompareError(f"--baseline {base!r} is not a {by} of this run: {', '.join(values)}")
    varying = [k for k in KEYS if k != by and len({_value(r, k) for r in records}) > 1]
    cell_keys = ["task", "n_blocks", *varying]
    cells: dict[tuple[str, ...], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in records:
        cells[tuple(_value(r, k) for k in cell_keys)][_value(r, by)].append(r)
    settings = {"mc_iterations": mc_iterations, "seed": seed}
    gd = _gd_by_arm(records, by, settings)
    rng = np.random.default_rng(seed)
    result = Comparison(by=by, baseline=base)
    for cell, arms in sorted(cells.items()):
        if base not in arms:
            continue
        for value in values:
            if value == base or value not in arms:
                continue
            where = dict(zip(cell_keys, cell, strict=True))
            for measure in MEASURES:
                row = _difference(measure, arms[base], arms[value], gd, by, base, value, rng,
                                  n_resamples)  # fmt: skip
                if row is not None:
                    result.rows.append({by: value, **where, **row})
    if not result.rows:
        raise CompareError(
            f"no seed is shared by {base!r} and the other {by} values in the same cell; "
            "compare runs of the same scenario seeds"
        )
    folder = out or runs[0]
    result.files = _write(result, folder)
    return result


def _gd_by_arm(
    records: list[dict[str, Any]], by: str, settings: dict[str, Any]
) -> dict[tuple[str, str], dict[tuple, Any]]:
    """(value of ``by``, protocol/condition context) -> that arm's GD parts per cell."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        context = "|".join(_value(r, k) for k in ("protocol", "condition", "run") if k != by)
        groups[(_value(r, by), context)].append(r)
    return {key: _gd_parts(group, settings) for key, group in groups.items()}


def _difference(
    measure: str,
    base_records: list[dict[str, Any]],
    other_records: list[dict[str, Any]],
    gd: dict[tuple[str, str], dict[tuple, Any]],
    by: str,
    base: str,
    value: str,
    rng: np.random.Generator,
    n_resamples: int,
) -> dict[str, Any] | None:
    if measure == "gd":
        return _gd_difference(base_records, other_records, gd, by, base, value, rng, n_resamples)
    a, b = _per_seed(base_records, measure), _per_seed(other_records, measure)
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    diffs = np.array([b[s] - a[s] for s in seeds])
    low, high = _bootstrap(diffs, n_resamples, rng)
    return {
        "measure": measure,
        "baseline_mean": float(np.mean([a[s] for s in seeds])),
        "value_mean": float(np.mean([b[s] for s in seeds])),
        "diff": float(diffs.mean()),
        "ci_low": low,
        "ci_high": high,
        "n_seeds": len(seeds),
        "resampled": "seeds (paired)",
    }


def _gd_difference(
    base_records: list[dict[str, Any]],
    other_records: list[dict[str, Any]],
    gd: dict[tuple[str, str], dict[tuple, Any]],
    by: str,
    base: str,
    value: str,
    rng: np.random.Generator,
    n_resamples: int,
) -> dict[str, Any] | None:
    first_a, first_b = base_records[0], other_records[0]
    parts = []
    for first, arm in ((first_a, base), (first_b, value)):
        context = "|".join(_value(first, k) for k in ("protocol", "condition", "run") if k != by)
        key = (first.get("model"), first.get("variant"), first.get("task"), first.get("n_blocks"))
        found = gd.get((arm, context), {}).get(key)
        if found is None:
            return None
        parts.append(found)
    a, b = _per_seed(base_records, "return"), _per_seed(other_records, "return")
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        return None
    (gd_a, base_a, ceil_a), (gd_b, base_b, ceil_b) = parts
    ra, rb = np.array([a[s] for s in seeds]), np.array([b[s] for s in seeds])
    idx = rng.integers(0, len(seeds), size=(n_resamples, len(seeds)))
    ga = (ra[idx].mean(axis=1) - base_a) / (ceil_a - base_a)
    gb = (rb[idx].mean(axis=1) - base_b) / (ceil_b - base_b)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(gb - ga, [tail, 100 - tail])
    return {
        "measure": "gd",
        "baseline_mean": gd_a,
        "value_mean": gd_b,
        "diff": gd_b - gd_a,
        "ci_low": float(low),
        "ci_high": float(high),
        "n_seeds": len(seeds),
        "resampled": "seeds of the composite episodes (paired); ceilings and baselines fixed",
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:+.3f}" if abs(value) < 1000 else f"{value:+.3g}"
    return str(value)


def table_rows(result: Comparison) -> list[dict[str, str]]:
    """The comparison as text cells: one row per compared value and cell, one column per
    measure (``difference [95% CI]``); key columns with one value only are left out."""
    cells: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for row in result.rows:
        keys = tuple((k, str(v)) for k, v in row.items() if k not in _NUMERIC)
        text = f"{_fmt(row['diff'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
        cells.setdefault(keys, {})[row["measure"]] = text
        cells[keys]["seeds"] = str(row["n_seeds"])
    names = [k for k, _ in next(iter(cells))] if cells else []
    shown = [k for k in names if k == result.by or len({dict(c)[k] for c in cells}) > 1]
    rows = []
    for keys, measures in cells.items():
        given = dict(keys)
        rows.append(
            {
                **{k: given[k] for k in shown},
                **{f"{m} diff [95% CI]": measures.get(m, "-") for m in MEASURES},
                "seeds": measures["seeds"],
            }
        )
    return rows


def _write(result: Comparison, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = {"by": result.by, "baseline": result.baseline, "confidence": CONFIDENCE,
            "rows": result.rows}  # fmt: skip
    files = [folder / "compare.json", folder / "compare.md"]
    files[0].write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    rows = table_rows(result)
    head = "| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]) + "\n"
    body = "".join("| " + " | ".join(r.values()) + " |\n" for r in rows)
    intro = (
        f"# Paired differences by {result.by} (vs {result.baseline})\n\n"
        "Difference = value - baseline on the seeds both played; 95% percentile bootstrap "
        "intervals resample those seeds. GD's interval holds each arm's capability ceiling "
        "and baseline at their estimates.\n\n"
    )
    files[1].write_text(intro + head + body, encoding="utf-8")
    files += _plot(result, folder)
    return files


def _plot(result: Comparison, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measures = [m for m in MEASURES if any(r["measure"] == m for r in result.rows)]
    labels = list(
        dict.fromkeys(
            " ".join(str(v) for k, v in r.items() if k not in _NUMERIC) for r in result.rows
        )
    )
    fig, axes = plt.subplots(
        1, len(measures), figsize=(3.2 * len(measures) + 2.5, 0.32 * len(labels) + 1.4),
        sharey=True, squeeze=False,
    )  # fmt: skip
    for ax, measure in zip(axes[0], measures, strict=True):
        for r in result.rows:
            if r["measure"] != measure:
                continue
            y = labels.index(" ".join(str(v) for k, v in r.items() if k not in _NUMERIC))
            low = max(0.0, r["diff"] - r["ci_low"])
            high = max(0.0, r["ci_high"] - r["diff"])
            ax.errorbar(r["diff"], y, xerr=[[low], [high]], fmt="o", color="tab:blue", capsize=2)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(f"{measure} difference", fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].set_yticks(range(len(labels)), labels)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"{result.by}: value - {result.baseline} (95% CI over seeds)", fontsize=10)
    fig.tight_layout()
    paths = [folder / "compare.svg", folder / "compare.png"]
    for path in paths:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths


_NUMERIC = frozenset(
    {"measure", "diff", "ci_low", "ci_high", "n_seeds", "resampled", "baseline_mean", "value_mean"}
)


def print_comparison(result: Comparison, console: Any) -> None:
    """The comparison table on the console, and the files written."""
    from rich.table import Table

    rows = table_rows(result)
    table = Table(title=f"Paired differences by {result.by} (value - {result.baseline})")
    for column in rows[0]:
        table.add_column(escape_controls(column))
    for row in rows:
        table.add_row(*(escape_controls(v) for v in row.values()))
    if not console.is_terminal:
        console.width = max(console.width, 140)
    console.print(table)
    console.print(
        "95% percentile bootstrap over the seeds both played (paired); GD's interval holds "
        "each arm's capability ceiling and baseline fixed."
    )
    console.print("written: " + ", ".join(str(p) for p in result.files))
