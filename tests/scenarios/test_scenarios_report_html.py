"""report.html in a real browser (headless Chromium): model text stays text, the filter works."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import scenario_data

from envs import EpisodeRecord, Message
from scenarios import EpisodeSpec, build_report, expand, run_plan
from scenarios._load import scenario_from_dict
from scenarios._matrix import env_task_name

INJECTED = (
    "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','2')\">"
)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class HostileExecutor:
    """Episodes whose model replies try to inject markup into the report."""

    async def play(self, spec: EpisodeSpec, prior: Sequence[Message] | None) -> EpisodeRecord:
        return EpisodeRecord(
            episode_id=spec.episode_id,
            model=spec.model.name,
            env_id=spec.env_id,
            env_kwargs=spec.env_kwargs,
            seed=spec.seed,
            task=env_task_name(spec.env_id),
            transcript=[
                Message(role="user", content="Measure block a."),
                Message(role="assistant", content=f"Sure! {INJECTED} <measure a>", step=1),
            ],
            steps=1,
            stop_reason="truncated",
        )

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    data = scenario_data(
        models=["scripted:oracle", "scripted:random"],
        seeds=[1, 2],
        analysis={"mc_iterations": 100, "n_resamples": 100},
    )
    run_plan(expand(scenario_from_dict(data)), out, HostileExecutor(), progress=False)
    return build_report(out).html


def dump_dom(page: Path, fragment: str, tmp_path: Path) -> str:
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.resolve().as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        # a first start on a fresh, busy machine builds Chromium's profile and font caches
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _transcripts(report: Path) -> list[Path]:
    return sorted((report.parent / "transcripts").glob("*.html"))


def test_the_page_is_self_contained_and_escaped(report: Path) -> None:
    page = report.read_text()
    assert page.count("<script>") == 1  # the page's own script only
    assert not re.search(r"""(src|href)=["'](?!data:)[a-z]+:""", page)  # nothing fetched
    links = re.findall(r'<a href="(transcripts/[^"]+)">', page)
    assert len(links) == 8 and all((report.parent / link).is_file() for link in links)
    for path in _transcripts(report):
        text = path.read_text()
        assert INJECTED not in text and "<script" not in text
        assert "&lt;script&gt;document.documentElement.setAttribute(" in text
        assert not re.search(r"""(src|href)=["'](?!data:)[a-z]+:""", text)


def test_injected_markup_in_a_transcript_page_does_not_run(report: Path, tmp_path: Path) -> None:
    dom = dump_dom(_transcripts(report)[0], "", tmp_path)
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None and "data-pwned" not in html_tag.group(0)
    assert "&lt;script&gt;document.documentElement" in dom  # shown as text


def test_injected_markup_does_not_run_and_the_filter_does(report: Path, tmp_path: Path) -> None:
    dom = dump_dom(report, "#model=scripted:random&task=measure_height", tmp_path)
    html_tag = re.search(r"<html[^>]*>", dom)
    assert html_tag is not None
    assert 'data-filter-ready="1"' in html_tag.group(0), "the page's own script did not run"
    assert "data-pwned" not in html_tag.group(0), "injected markup ran"
    episodes = re.findall(r'<tr class="episode"[^>]*>', dom)
    assert len(episodes) == 8
    shown = [e for e in episodes if " hidden" not in e]
    assert len(shown) == 2
    assert all('data-model="scripted:random"' in e and "measure_height" in e for e in shown)
    assert re.search(r'<span id="shown">2</span>', dom)


def test_without_a_fragment_everything_is_shown(report: Path, tmp_path: Path) -> None:
    dom = dump_dom(report, "", tmp_path)
    episodes = re.findall(r'<tr class="episode"[^>]*>', dom)
    assert len(episodes) == 8 and not any(" hidden" in e for e in episodes)
    assert re.search(r'<span id="shown">8</span>', dom)
