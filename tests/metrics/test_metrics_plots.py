"""metrics.write_plots writes readable PNGs and skips plots without data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from metrics_testkit import composite, subtasks

from metrics import analyze, write_plots

PNG = b"\x89PNG\r\n\x1a\n"


def test_write_plots(tmp_path: Path) -> None:
    h1, h2 = [5.0, 6.0, 7.0], [9.0, 5.5, 8.0]
    recs = subtasks("m1", 3, range(3)) + subtasks("m2", 3, range(3), pick=1)
    for model, ret in (("m1", 6.5), ("m2", 6.0)):
        for task in ("cognitive_effort", "plan_and_execute", "combined"):
            recs += [composite(model, task, 1, h1, ret), composite(model, task, 2, h2, 8.0)]
        recs += [composite(model, "information_gathering", 1, h1, 13.0, measurements=3)]
    analysis = analyze(recs, mc_iterations=200, n_resamples=100)
    paths = write_plots(analysis, tmp_path / "plots")
    assert [p.name for p in paths] == ["gd.png", "regret_vs_gd.png", "measurements.png"]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000


def test_nothing_to_plot(tmp_path: Path) -> None:
    assert write_plots(analyze([]), tmp_path) == []


def test_matplotlib_is_imported_lazily_and_agents_never() -> None:
    code = (
        "import sys, metrics; "
        "print(sorted(m for m in ('matplotlib', 'agents') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
