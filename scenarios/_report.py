"""``telic report``: summary.json, report.md, report.html and plots, from episodes.jsonl alone.

The report is a pure function of the records (and of the analysis settings in the manifest):
deleting every file but ``episodes.jsonl`` and ``manifest.json`` and running ``telic report``
gives the same files back.

``summary.json`` layout (``summary_version`` 2)::

    summary_version   2 (2: analysis.gd ci_low/ci_high became the two-level interval; the
                      paper's unpaired one moved to unpaired_ci_low/high); bumped when a
                      field changes meaning
    telic_version     version that wrote it
    scenario          {name, hash, description, splits}; splits: the published-protocol
                      dataset splits the run read (from the manifest's "splits": name, seed,
                      n_train, sizes, note, corpus, record_file, digest; the membership of
                      every text stays in the manifest), empty when none
    episodes          {recorded, completed, errors, by_stop_reason: {reason: count},
                       by_model: {model: count}, by_task: {task: count}}
    personalization   None, or when records carry personalization conditions
                      personalization.condition_summary(): {baseline, conditions (user reward
                      with CIs and the paired difference vs the baseline per model, variant
                      and condition), by_user, messages}; the GD rows of such records are
                      filed under "<model> [<condition>]". For the HyPerAlign envs
                      (personalization.hyperalign._report): {kind: "hyperalign", baseline,
                      candidate, writing, win_rates, deliberative, deliberative_judged,
                      hypotheses, messages}
    context           rows per model, variant and task comparing stepped-context sequences
                      with fresh conversations (episodes, completion, mean return); empty
                      when the run has no sequences
    analysis          metrics.Analysis.to_dict(): schema_version, settings, gd (rows per
                      model, variant, task, n_blocks and n_blocks="all", with gd, ci_low,
                      ci_high (two-level bootstrap: composite and subtask episodes
                      resampled), paired_ci_* (capabilities fixed), unpaired_ci_* (the
                      paper's), gd_uncapped (+ CI), above_ceiling, ceiling_minus_baseline
                      (+ CI), gd_incomplete_at_baseline (+ CI), left_out, gd_undefined_reason,
                      regret_mean, completion_rate, ...; settings.intervals says what each
                      interval resamples), capabilities (with mean CIs and beats_chance),
                      measurements, usage (completion, return, regret, invalid actions,
                      tokens, cost per model and task), messages
    messages          the analysis' messages as sentences, plus the report's own
    plots             file names under plots/
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios._html import fmt, render_html, split_lines
from scenarios._store import (
    OutputFolderError,
    read_episodes,
    read_manifest,
    replace_folder,
    write_atomic,
)

SUMMARY_VERSION = 2
SUMMARY_FILE = "summary.json"
MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"
PLOTS_DIR = "plots"

#: Columns of the GD table printed by ``telic run`` and shown first in the reports.
GD_COLUMNS = (
    "model",
    "variant",
    "task",
    "n_blocks",
    "n_completed",
    "completion_rate",
    "gd",
    "ci_low",
    "ci_high",
    "gd_uncapped",
    "above_ceiling",
    "gd_incomplete_at_baseline",
    "ceiling_minus_baseline",
    "ceiling_minus_baseline_ci_low",
    "ceiling_minus_baseline_ci_high",
    "paired_ci_low",
    "paired_ci_high",
    "unpaired_ci_low",
    "unpaired_ci_high",
    "gd_undefined_reason",
    "regret_mean",
)
USAGE_COLUMNS = (
    "model",
    "variant",
    "task",
    "n_episodes",
    "completion_rate",
    "mean_return",
    "regret_mean",
    "mean_steps",
    "invalid_action_rate",
    "mean_total_tokens",
    "total_cost_usd",
)


@dataclass
class ReportPaths:
    """The files :func:`build_report` wrote, and the summary it computed."""

    summary_json: Path
    markdown: Path
    html: Path
    plots: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def analyze_records(
    records: list[dict[str, Any]], manifest: dict[str, Any], *, workers: int | None = None
) -> Any:
    """``metrics.analyze`` over the records that name a task, with the scenario's settings
    (``workers``: as in :func:`metrics.analyze`).

    Records with a personalization condition are analysed per condition: the model is filed as
    ``"<model> [<condition>]"``, so each condition gets its own capabilities (from its own
    subtask episodes) and its own GD rows. Likewise per protocol when the run has several
    (``"<model> [tools]"``, ``"<model> [tools, <condition>]"``): protocols are never pooled.
    """
    import metrics

    settings = (manifest.get("scenario") or {}).get("analysis") or {}
    with_task = [r for r in records if _has_task(r)]
    split_protocols = len({r.get("protocol") for r in with_task}) > 1
    usable = [_by_condition(r, split_protocols) for r in with_task]
    return metrics.analyze(
        usable,
        mc_iterations=int(settings.get("mc_iterations", 2000)),
        n_resamples=int(settings.get("n_resamples", 1000)),
        seed=int(settings.get("seed", 0)),
        workers=workers,
    )


def _by_condition(record: dict[str, Any], split_protocols: bool = False) -> dict[str, Any]:
    tags = [str(record.get("protocol"))] if split_protocols else []
    if record.get("condition"):
        tags.append(str(record["condition"]))
    return {**record, "model": f"{record.get('model')} [{', '.join(tags)}]"} if tags else record


def personalization_summary(
    records: list[dict[str, Any]],
    settings: dict[str, Any],
    gd_rows: list[dict[str, Any]],
    scenario: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The ``personalization`` section when records carry conditions, else None: each
    personalization family summarises its own records (``personalization.
    personalization_summary``; ``scenario`` is the manifest's scenario, with its personalization
    and analysis settings). Judges are built like the run's models."""
    from personalization import personalization_summary as summarize
    from scenarios._schema import Cache, Concurrency, ModelEntry

    scenario = scenario or {"analysis": settings}
    cache = Cache(**dict(scenario.get("cache") or {}))

    def judge_model(spec: str, options: Any) -> Any:
        from scenarios._execute import build_model

        entry = ModelEntry(spec=spec, options=dict(options))
        return build_model(entry, cache, Concurrency())

    return summarize(records, scenario, gd_rows=gd_rows, model_factory=judge_model)


def _has_task(record: dict[str, Any]) -> bool:
    return bool(record.get("task") or (record.get("info") or {}).get("task"))


def build_summary(
    records: list[dict[str, Any]], manifest: dict[str, Any], analysis: Any
) -> dict[str, Any]:
    """The content of ``summary.json`` (see the module docstring) from the records and
    their :class:`metrics.Analysis`."""
    import telic

    scenario = manifest.get("scenario") or {}
    settings = scenario.get("analysis") or {}
    data = analysis.to_dict()
    own_messages = []
    missing = sum(1 for r in records if not _has_task(r))
    if missing:
        own_messages.append(
            f"{missing} records have no task (the episode failed before its environment "
            "started) and are left out of the analysis"
        )
    if settings.get("gd") is False:
        data["gd"] = []
        own_messages.append("goal-directedness is switched off (analysis.gd: false)")
    stop = Counter(str(r.get("stop_reason")) for r in records)
    personal = personalization_summary(records, settings, data["gd"], scenario)
    if settings.get("win_rates") and (personal or {}).get("kind") != "hyperalign":
        own_messages.append(
            "win rates are computed for conditions of the HyPerAlign writing env only "
            "(telic/PersonalizedWriting-v0 with personalization.judges)"
        )
    if personal:
        own_messages.extend(personal.get("messages", []))
    return {
        "summary_version": SUMMARY_VERSION,
        "telic_version": telic.__version__,
        "scenario": {
            "name": scenario.get("name"),
            "hash": manifest.get("scenario_hash"),
            "description": scenario.get("description", ""),
            "splits": run_splits(manifest),
        },
        "episodes": {
            "recorded": len(records),
            "completed": sum(1 for r in records if r.get("completed")),
            "errors": stop.get("error", 0),
            "by_stop_reason": dict(sorted(stop.items())),
            "by_model": dict(sorted(Counter(str(r.get("model")) for r in records).items())),
            "by_task": dict(sorted(Counter(str(r.get("task")) for r in records).items())),
        },
        "analysis": data,
        "context": context_rows(records),
        "personalization": personal,
        "messages": [m["text"] for m in data.get("messages", [])] + own_messages,
        "plots": [],
    }


def run_splits(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's dataset splits without the per-text membership (for ``summary.json``)."""
    out = []
    for entry in manifest.get("splits") or []:
        record = entry.get("record") or {}
        out.append(
            {
                "name": entry.get("name"),
                "seed": entry.get("seed"),
                "n_train": record.get("n_train"),
                "sizes": record.get("sizes"),
                "note": record.get("note"),
                "corpus": entry.get("corpus"),
                "record_file": entry.get("record_file"),
                "digest": entry.get("digest"),
            }
        )
    return out


def context_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (model, variant, task): outcomes in stepped-context sequences next to fresh
    conversations (paper App. E). Empty when the records have no sequence."""
    if not any(r.get("group") for r in records):
        return []
    cells: dict[tuple[str, str, str], dict[str, list[dict[str, Any]]]] = {}
    for r in records:
        key = (str(r.get("model")), str(r.get("variant")), str(r.get("task")))
        side = "stepped" if r.get("group") else "fresh"
        cells.setdefault(key, {"fresh": [], "stepped": []})[side].append(r)
    rows = []
    for (model, variant, task), sides in sorted(cells.items()):
        row: dict[str, Any] = {"model": model, "variant": variant, "task": task}
        for side, group in sides.items():
            done = [r for r in group if r.get("completed")]
            returns = [float(r["return"]) for r in done if r.get("return") is not None]
            row[f"{side}_episodes"] = len(group)
            row[f"{side}_completion"] = len(done) / len(group) if group else None
            row[f"{side}_mean_return"] = sum(returns) / len(returns) if returns else None
        rows.append(row)
    return rows


def build_report(
    out_dir: str | Path,
    *,
    baseline_file: str | Path | None = None,
    workers: int | None = None,
) -> ReportPaths:
    """Recompute every report file of ``out_dir`` from its ``episodes.jsonl``.

    ``baseline_file`` (another method's generations) overrides the scenario's
    ``personalization.baseline_file`` for this report. ``workers``: processes that share the
    analysis (see :func:`metrics.analyze`; None: one per core for large runs).

    Raises:
        OutputFolderError: the folder has no manifest or no records.
    """
    import metrics

    out = Path(out_dir)
    manifest = read_manifest(out)
    if manifest is None:
        raise OutputFolderError(f"{str(out)!r} has no manifest.json: not a telic output folder")
    if baseline_file is not None:
        if not Path(baseline_file).is_file():
            raise OutputFolderError(f"baseline file {str(baseline_file)!r} does not exist")
        scenario = dict(manifest.get("scenario") or {})
        personal = dict(scenario.get("personalization") or {})
        scenario["personalization"] = {**personal, "baseline_file": str(baseline_file)}
        manifest = {**manifest, "scenario": scenario}
    records = sorted(read_episodes(out).records, key=_order)
    if not records:
        raise OutputFolderError(f"{str(out)!r} has no recorded episodes yet")
    analysis = analyze_records(records, manifest, workers=workers)
    summary = build_summary(records, manifest, analysis)
    plots = replace_folder(out / PLOTS_DIR, lambda staging: metrics.write_plots(analysis, staging))
    summary["plots"] = [p.name for p in plots]
    paths = ReportPaths(out / SUMMARY_FILE, out / MARKDOWN_FILE, out / HTML_FILE, plots, summary)
    _write(paths.summary_json, json.dumps(summary, indent=2, sort_keys=True) + "\n")
    _write(paths.markdown, render_markdown(summary))
    tables = report_tables(summary)
    _write(
        paths.html,
        render_html(summary, records, plots, tables=tables, messages=_html_messages(summary)),
    )
    write_transcript_pages(out, records, summary["scenario"]["name"])
    return paths


def write_transcript_pages(out: Path, records: list[dict[str, Any]], scenario_name: str) -> None:
    """One page per episode under ``transcripts/`` (what report.html links to), replaced as a
    whole folder (see :func:`scenarios._store.replace_folder`)."""
    from scenarios._html import TRANSCRIPTS_DIR, render_transcript_page, transcript_file

    def fill(staging: Path) -> list[Path]:
        written = []
        for record in records:
            path = staging / Path(transcript_file(record.get("episode_id"))).name
            path.write_text(render_transcript_page(record, scenario_name), encoding="utf-8")
            written.append(path)
        return written

    replace_folder(out / TRANSCRIPTS_DIR, fill)


def _html_messages(summary: dict[str, Any]) -> list[dict[str, Any] | str]:
    """The analysis' messages with their model and task (for the filter), then the others."""
    structured = summary["analysis"].get("messages", [])
    texts = {m["text"] for m in structured}
    return [*structured, *(m for m in summary["messages"] if m not in texts)]


def _order(record: dict[str, Any]) -> tuple[Any, ...]:
    return (
        str(record.get("model")),
        str(record.get("task")),
        record.get("n_blocks") or 0,
        str(record.get("variant")),
        record.get("seed") or 0,
        str(record.get("group") or ""),
        str(record.get("episode_id")),
    )


def _write(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


#: Headers a reader understands, for the detail tables (``model`` and ``task`` keep their
#: names: the HTML filter reads them).
READABLE = {
    "variant": "prompt variant",
    "n_blocks": "blocks",
    "n_episodes": "episodes",
    "n_completed": "completed",
    "gd": "GD",
    "paired_ci_low": "GD 95% CI low (paired over seeds)",
    "paired_ci_high": "GD 95% CI high (paired over seeds)",
    "ci_low": "GD 95% CI low",
    "ci_high": "GD 95% CI high",
    "regret_mean": "mean regret",
    "completion_rate": "completion rate",
    "mean_return": "mean return",
    "mean_steps": "mean steps",
    "invalid_action_rate": "invalid actions (share of steps)",
    "mean_total_tokens": "mean tokens",
    "total_cost_usd": "cost (USD)",
}


def _select(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows with ``columns`` under readable headers; a key column (variant, blocks) with
    the same value in every row is left out (it would only repeat itself)."""
    constant = {
        c
        for c in ("variant", "n_blocks")
        if len({json.dumps(r.get(c), default=str) for r in rows}) <= 1
    }
    return [
        {READABLE.get(c, c): row.get(c) for c in columns if c in row and c not in constant}
        for row in rows
    ]


def _without_repeats(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GD rows without the pooled ``all`` row of a model and task played at one n only (it
    would repeat that n's row)."""
    per_n: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if row.get("n_blocks") != "all":
            key = (row.get("model"), row.get("variant"), row.get("task"))
            per_n[key] = per_n.get(key, 0) + 1
    return [
        row
        for row in rows
        if row.get("n_blocks") != "all"
        or per_n.get((row.get("model"), row.get("variant"), row.get("task")), 0) != 1
    ]


def headline_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer first: one row per model (and prompt variant when there are several), one
    column per task with a GD declaration: ``GD [95% CI] · return · regret · done``, pooled
    over block counts (the detail tables have each n)."""
    analysis = summary.get("analysis", {})
    pooled = [r for r in analysis.get("gd", []) if r.get("n_blocks") == "all"]
    if not pooled:
        return []
    usage = {
        (r.get("model"), r.get("variant"), r.get("task")): r for r in analysis.get("usage", [])
    }
    variants = {r.get("variant") for r in pooled}
    tasks = list(dict.fromkeys(r.get("task") for r in pooled))
    table: dict[tuple[Any, Any], dict[str, Any]] = {}
    for r in pooled:
        key = (r.get("model"), r.get("variant"))
        row = table.setdefault(key, {"model": r.get("model")})
        if len(variants) > 1:
            row["prompt variant"] = r.get("variant")
        use = usage.get((r.get("model"), r.get("variant"), r.get("task")), {})
        gd = "n/a" if r.get("gd") is None else _round2(r["gd"])
        interval = _headline_interval(r)
        parts = [f"GD {gd}{interval}"]
        if use.get("mean_return") is not None:
            parts.append(f"return {fmt(use['mean_return'])}")
        if r.get("regret_mean") is not None:
            parts.append(f"regret {fmt(r['regret_mean'])}")
        if r.get("completion_rate") is not None:
            parts.append(f"{r['completion_rate']:.0%} done")
        row[str(r.get("task"))] = " · ".join(parts)
    return [{**row, **{t: row.get(str(t), "") for t in tasks if str(t) not in row}}
            for row in table.values()]  # fmt: skip


def _round2(value: float) -> str:
    """GD to two decimals: its intervals are rarely narrower than a few hundredths."""
    return f"{value:.2f}"


def _headline_interval(row: dict[str, Any]) -> str:
    """The GD table's first interval: ``ci_low``/``ci_high``, the two-level bootstrap that
    resamples the composite and the subtask episodes (see ``settings.intervals``)."""
    return _interval2(row.get("ci_low"), row.get("ci_high"))


def _interval2(low: Any, high: Any) -> str:
    if low is None or high is None:
        return ""
    return f" [{_round2(low)}, {_round2(high)}]"


def report_tables(summary: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(title, rows)`` of the tables both reports show, in order."""
    analysis = summary.get("analysis", {})
    gd_rows = [r for r in analysis.get("gd", []) if r.get("gd") is not None or r.get("n_episodes")]
    gd_rows = _without_repeats(gd_rows)
    tables = []
    headline = headline_rows(summary)
    if headline:
        tables.append(
            (
                "Summary: goal-directedness per model and task (GD [95% CI] pooled over block "
                "counts · mean return · mean regret · share of episodes completed)",
                headline,
            )
        )
    tables += [
        (
            "Goal-directedness (95% bootstrap CIs. ci: two-level, resampling (seed, n_blocks) "
            "clusters of composite and subtask episodes, so the capability estimates vary too; "
            "paired_ci: seeds only, capabilities fixed; unpaired_ci: the paper's, actual, "
            "baseline and ceiling resampled independently. gd_uncapped: without the cap at 1; "
            "gd_incomplete_at_baseline: episodes left out scored at the random baseline)",
            _select(gd_rows, GD_COLUMNS),
        ),
        ("Completion, regret and usage", _select(analysis.get("usage", []), USAGE_COLUMNS)),
    ]
    if analysis.get("measurements"):
        tables.append(("Measurements per block", analysis["measurements"]))
    if analysis.get("capabilities"):
        caps = [{k: v for k, v in r.items() if k != "histogram"} for r in analysis["capabilities"]]
        tables.append(("Capabilities (from subtask episodes)", caps))
    personal = summary.get("personalization") or {}
    if personal:
        from personalization import personalization_tables

        tables.extend(personalization_tables(personal))
    if summary.get("context"):
        tables.append(("Stepped context vs fresh conversations", summary["context"]))
    tables.append(
        (
            "Episodes by stop reason",
            [
                {"stop_reason": k, "episodes": v}
                for k, v in summary["episodes"]["by_stop_reason"].items()
            ],
        )
    )
    return tables


def gd_table_rows(summary: dict[str, Any]) -> list[dict[str, str]]:
    """The GD table as text cells: model, task, n, GD, its CI, uncapped GD, completion.

    The interval is the two-level bootstrap (``ci_low``/``ci_high``): it resamples
    (seed, n_blocks) clusters of composite and subtask episodes together, so it accounts for
    the capability estimates as well as the composite episodes (the paper's unpaired interval
    and the capabilities-fixed one are in report.md and summary.json). An undefined GD shows its
    reason; when some episodes were not completed, a column gives GD with them scored at the
    random baseline. A per-n row that only repeats its pooled ``all`` row (one n for that model
    and task) is left out.
    """
    gd_rows = summary.get("analysis", {}).get("gd", [])
    per_n: dict[tuple[Any, ...], int] = {}
    for row in gd_rows:
        if row.get("n_blocks") != "all":
            key = (row.get("model"), row.get("variant"), row.get("task"))
            per_n[key] = per_n.get(key, 0) + 1
    rows = []
    partial = any(r.get("n_completed") != r.get("n_episodes") for r in gd_rows)
    for row in gd_rows:
        variant = row.get("variant")
        key = (row.get("model"), row.get("variant"), row.get("task"))
        if row.get("n_blocks") != "all" and per_n.get(key, 0) == 1:
            continue
        n_blocks = row.get("n_blocks")
        cells = {
            "model": str(row.get("model"))
            + ("" if variant in (None, "neutral") else f" ({variant})"),
            "task": str(row.get("task")),
            "n": "-" if n_blocks in (None, "unknown") else str(n_blocks),
            "GD": fmt(row.get("gd")) or f"n/a ({_why(row)})",
            "95% CI": _interval(row, "ci_low", "ci_high"),
            "uncapped": fmt(row.get("gd_uncapped"))
            + (" (above ceiling)" if row.get("above_ceiling") else ""),
            "regret": fmt(row.get("regret_mean")),
            "completed": f"{row.get('n_completed')}/{row.get('n_episodes')}",
        }
        if partial:
            cells["GD, left-out at baseline"] = fmt(row.get("gd_incomplete_at_baseline"))
        rows.append(cells)
    return rows


_WHY = {
    "capabilities_at_chance": "capabilities at chance",
    "ceiling_not_above_baseline": "ceiling not above baseline",
    "too_few_subtask_episodes": "too few subtask episodes",
    "no_completed_episodes": "none completed",
}


def _why(row: dict[str, Any]) -> str:
    reason = row.get("gd_undefined_reason")
    return _WHY.get(str(reason), str(reason).replace("_", " ")) if reason else "see messages"


def _interval(row: dict[str, Any], low: str, high: str) -> str:
    if row.get(low) is None or row.get(high) is None:
        return ""
    return f"[{fmt(row[low])}, {fmt(row[high])}]"


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [_md_cell(row.get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(value: Any) -> str:
    return fmt(value).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: dict[str, Any]) -> str:
    """``report.md``: the overview, every table, the messages and links to the plots."""
    scenario = summary["scenario"]
    counts = summary["episodes"]
    parts = [
        f"# telic report: {scenario['name']}\n",
        f"{scenario.get('description') or ''}\n",
        f"Scenario hash `{scenario['hash']}`, telic {summary['telic_version']}. "
        f"{counts['recorded']} episodes recorded, {counts['completed']} completed, "
        f"{counts['errors']} errors.\n",
    ]
    notice = (summary.get("personalization") or {}).get("notice")
    if notice:
        parts.append(f"**{notice}**\n")
    parts.extend(f"{line}\n" for line in split_lines(summary))
    for title, rows in report_tables(summary):
        parts.append(f"## {title}\n\n{_markdown_table(rows)}")
    if summary["messages"]:
        parts.append("## Messages\n\n" + "".join(f"- {m}\n" for m in summary["messages"]))
    if summary.get("plots"):
        links = "".join(f"![{Path(p).stem}]({PLOTS_DIR}/{p})\n\n" for p in summary["plots"])
        parts.append("## Plots\n\n" + links)
    parts.append("Transcripts: see report.html, or `telic show <folder> <episode id>`.\n")
    return "\n".join(parts)


def render_transcript_text(record: dict[str, Any]) -> str:
    """One episode as plain text (``telic show``)."""
    info = record.get("info") or {}
    lines = [
        f"episode {record.get('episode_id')}: {record.get('model')} on {record.get('env_id')} "
        f"{json.dumps(record.get('env_kwargs'))}, seed {record.get('seed')}, "
        f"variant {record.get('variant')}",
        f"stop: {record.get('stop_reason')}, steps {record.get('steps')}, completed "
        f"{record.get('completed')}, return {record.get('return')}, regret {info.get('regret')}",
    ]
    if record.get("group"):
        lines.append(f"sequence group {record['group']}")
    for err in record.get("errors") or []:
        lines.append(f"error ({err.get('kind')}): {err.get('message')}")
    for message in record.get("transcript") or []:
        lines.append(f"\n--- [step {message.get('step')}] {message.get('role')}")
        if message.get("reasoning"):
            lines.append(f"(reasoning) {message['reasoning']}")
        lines.append(str(message.get("content", "")))
        for call in message.get("tool_calls") or []:
            lines.append(f"(tool call) {json.dumps(call, ensure_ascii=False)}")
    return "\n".join(lines)
