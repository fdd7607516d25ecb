"""The progress bar of ``telic run``: episodes done, errors, tokens, cost so far and ETA.

It draws on stderr and only when stderr is a terminal (never in tests, pipes or CI), unless it is
forced on or off.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scenarios._runner import RunStats


class RunProgress:
    """A context manager that shows :class:`~scenarios._runner.RunStats` as a live bar."""

    def __init__(self, stats: RunStats, *, enabled: bool | None = None) -> None:
        """``enabled``: True/False forces the bar on/off; None shows it on a terminal only."""
        self.stats = stats
        self._enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if self._enabled is False:  # (rich is not even imported)
            return self
        from rich.console import Console

        console = Console(stderr=True)
        show = console.is_terminal if self._enabled is None else self._enabled
        if not show:
            return self
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]episodes"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("errors {task.fields[errors]}"),
            TextColumn("tokens {task.fields[tokens]}"),
            TextColumn("${task.fields[cost]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._progress.start()
        remaining = self.stats.planned - self.stats.skipped
        self._task = self._progress.add_task(
            "run", total=max(remaining, 0), errors=0, tokens=0, cost="0.00"
        )
        return self

    def update(self) -> None:
        """Refresh the bar from the stats."""
        if self._progress is None:
            return
        stats = self.stats
        self._progress.update(
            self._task,
            completed=stats.finished,
            errors=stats.errors,
            tokens=f"{stats.input_tokens + stats.output_tokens:,}",
            cost=f"{stats.cost_usd:.2f}",
        )

    def note(self, text: str) -> None:
        """Print ``text`` on stderr (above the bar while it is shown)."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
