"""``telic show``: a run's episodes as a filtered list, or one episode's transcript.

Everything printed from records goes through :func:`scenarios._terminal.escape_controls`, so
a model's reply cannot drive the reader's terminal.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from scenarios._load import ScenarioError
from scenarios._store import OutputFolderError, read_episodes
from scenarios._terminal import escape_controls

#: The filters of ``telic show`` -> the record field they match.
FILTER_FIELDS = {
    "model": "model",
    "task": "task",
    "seed": "seed",
    "protocol": "protocol",
    "variant": "variant",
    "condition": "condition",
    "stop_reason": "stop_reason",
}
LIST_COLUMNS = ("episode", "model", "task", "n", "seed", "protocol", "variant", "condition",
                "stop", "steps", "return")  # fmt: skip


def matches(record: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether ``record`` passes every filter that is set (values compared as text)."""
    for name, value in filters.items():
        if value is None:
            continue
        if str(record.get(FILTER_FIELDS[name])) != str(value):
            return False
    return True


def _check_filters(records: list[dict[str, Any]], filters: dict[str, Any]) -> None:
    """A filter value no record has is a typo, not an empty result: say which values exist."""
    import difflib

    for name, value in filters.items():
        if value is None:
            continue
        seen = sorted({str(r.get(FILTER_FIELDS[name])) for r in records})
        if str(value) not in seen:
            close = difflib.get_close_matches(str(value), seen, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            listed = ", ".join(seen[:12]) + (" ..." if len(seen) > 12 else "")
            raise ScenarioError(
                f"no episode has --{name.replace('_', '-')} {value!r}.{hint} Values in this run: "
                f"{escape_controls(listed)}"
            )


def _row(record: dict[str, Any]) -> list[str]:
    ret = record.get("return")
    cells = [
        record.get("episode_id"),
        record.get("model"),
        record.get("task"),
        record.get("n_blocks"),
        record.get("seed"),
        record.get("protocol"),
        record.get("variant"),
        record.get("condition"),
        record.get("stop_reason"),
        record.get("steps"),
        f"{ret:.3g}" if isinstance(ret, int | float) else ret,
    ]
    return [escape_controls("" if c is None else str(c)) for c in cells]


def show(
    out_dir: Path, episode_id: str | None, *, filters: dict[str, Any], limit: int, console: Any
) -> int:
    """List the episodes of ``out_dir`` that pass ``filters`` (at most ``limit``, 0 for all),
    or print the transcript of ``episode_id`` (an id or a unique prefix).

    Raises:
        OutputFolderError: the folder has no recorded episodes.
        ScenarioError: no episode matches, or a prefix matches several.
    """
    records = read_episodes(out_dir).records
    if not records:
        raise OutputFolderError(f"{str(out_dir)!r} has no recorded episodes")
    _check_filters(records, filters)
    chosen = [r for r in records if matches(r, filters)]
    if episode_id is None:
        _print_list(chosen, len(records), limit, console)
        return 0
    found = [r for r in chosen if str(r["episode_id"]).startswith(episode_id)]
    if not found:
        raise ScenarioError(
            f"no episode id starts with {episode_id!r} in {str(out_dir)!r} "
            f"({len(records)} episodes; ids look like {records[0]['episode_id']!r}; "
            f"'telic show {out_dir}' lists them)"
        )
    if len(found) > 1:
        ids = ", ".join(r["episode_id"] for r in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise ScenarioError(
            f"{episode_id!r} matches {len(found)} episodes ({ids}{more}); give more"
        )
    from scenarios._report import render_transcript_text

    console.print(escape_controls(render_transcript_text(found[0])))
    return 0


def _print_list(chosen: list[dict[str, Any]], total: int, limit: int, console: Any) -> None:
    from rich.table import Table

    # columns that hold one value for every listed episode say nothing: leave them out
    rows = [_row(r) for r in chosen]
    keep = [
        i
        for i, column in enumerate(LIST_COLUMNS)
        if column in ("episode", "stop", "steps", "return") or len({row[i] for row in rows}) > 1
    ]
    shown = rows if limit == 0 else rows[:limit]
    title = f"{len(chosen)} of {total} episodes"
    if len(shown) < len(chosen):
        title += f" (first {len(shown)}; --limit 0 lists all)"
    table = Table(title=title)
    for i in keep:
        table.add_column(LIST_COLUMNS[i])
    for row in shown:
        table.add_row(*(row[i] for i in keep))
    if not console.is_terminal:
        console.width = max(console.width, 160)
    console.print(table)
    stops = Counter(r.get("stop_reason") for r in chosen)
    summary = ", ".join(f"{n} {reason}" for reason, n in stops.most_common())
    console.print(escape_controls(f"stop reasons: {summary}"))
    console.print("one transcript: telic show DIR EPISODE_ID (an id prefix is enough)")
