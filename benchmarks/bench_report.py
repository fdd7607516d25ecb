"""report.html for large runs: transcripts as separate pages vs every transcript inlined.

Plays the quickstart's 1,600 scripted episodes once, then renders the report page for 1,600
and 10,000 episodes (the 1,600 records repeated under new ids) two ways, in the same run:

* **inline** (the baseline, the page before transcripts moved out): every transcript inside
  report.html;
* **linked** (now): report.html lists the episodes and links one transcript page each.

Reports the size of report.html, the seconds to render and write it (and the transcript
pages), and the seconds headless Chromium takes to load the page and run its script
(``--dump-dom``; the median of 3 loads).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _play(folder: Path) -> list[dict]:
    from scenarios._bundled import BUNDLED_DIR
    from scenarios._store import read_episodes
    from scenarios.cli import run_cli

    out = folder / "run"
    scenario = str(BUNDLED_DIR / "quickstart.yaml")
    code = run_cli(["run", scenario, "--out", str(out), "--no-progress", "--no-report"])
    if code != 0:
        raise SystemExit(f"the quickstart run failed (exit {code})")
    return read_episodes(out).records


def _records(base: list[dict], count: int) -> list[dict]:
    out = []
    for i in range(count):
        record = dict(base[i % len(base)])
        record["episode_id"] = f"{record['episode_id']}-{i // len(base)}"
        out.append(record)
    return out


def _load_seconds(page: Path, profile: Path) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, timeout=600, check=True,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _render(records: list[dict], summary: dict, folder: Path, *, inline: bool) -> tuple[int, float]:
    from scenarios import _html
    from scenarios._report import report_tables, write_transcript_pages

    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    page = _html.render_html(summary, records, [], tables=report_tables(summary), messages=[])
    if inline:  # the page as it was: every transcript inside it
        marker = "<script>"
        page = page.replace(marker, "".join(_html._episode(r) for r in records) + marker, 1)
    else:
        write_transcript_pages(folder, records, "bench")
    (folder / "report.html").write_text(page, encoding="utf-8")
    return len(page.encode()), time.perf_counter() - start


def main() -> int:
    from scenarios._report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base = _play(root)
        summary = build_report(root / "run").summary
        lines = [
            "| episodes | page | report.html | render + write (s) | Chromium load (s) |",
            "|---|---|---|---|---|",
        ]
        for count in (1600, 10000):
            records = _records(base, count)
            for inline in (True, False):
                folder = root / f"{count}-{'inline' if inline else 'linked'}"
                size, seconds = _render(records, summary, folder, inline=inline)
                load = _load_seconds(folder / "report.html", root / "profile")
                name = "inline (baseline)" if inline else "linked transcripts"
                lines.append(
                    f"| {count:,} | {name} | {size / 1e6:.1f} MB | {seconds:.2f} | {load:.2f} |"
                )
    print(
        "report.html with every transcript inlined (the baseline, as before) and with "
        "transcripts as separate pages (now), for the quickstart's episodes and the same "
        "repeated to 10,000; Chromium load is headless `--dump-dom` (parse, layout, the "
        "filter script), median of 3.\n"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    sys.exit(main())
