"""The results store: durable appends, truncated-tail repair, folder ownership checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios import EpisodeWriter, OutputFolderError, read_episodes
from scenarios._store import EPISODES_FILE, check_output_folder, write_manifest


def rec(i: int, **extra: object) -> dict[str, object]:
    return {"episode_id": f"id{i}", "model": "m", **extra}


def test_append_then_read_back(tmp_path: Path) -> None:
    with EpisodeWriter(tmp_path) as w:
        for i in range(3):
            w.append(rec(i))
    found = read_episodes(tmp_path)
    assert [r["episode_id"] for r in found.records] == ["id0", "id1", "id2"]
    assert not found.truncated_tail and not found.bad_lines


@pytest.mark.parametrize("cut", [2, 5, 17])
def test_truncated_last_line_is_ignored_then_cut_off(tmp_path: Path, cut: int) -> None:
    with EpisodeWriter(tmp_path) as w:
        w.append(rec(0))
        w.append(rec(1, note="x" * 30))
    path = tmp_path / EPISODES_FILE
    data = path.read_bytes()
    path.write_bytes(data[:-cut])  # a kill in the middle of the second write
    found = read_episodes(tmp_path)
    assert found.ids == {"id0"} and found.truncated_tail
    with EpisodeWriter(tmp_path) as w:  # opening repairs the file before appending
        w.append(rec(2))
    lines = path.read_text().splitlines()
    assert [json.loads(line)["episode_id"] for line in lines] == ["id0", "id2"]


def test_whole_json_without_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / EPISODES_FILE
    path.write_text(json.dumps(rec(0)) + "\n" + json.dumps(rec(1)))
    assert read_episodes(tmp_path).ids == {"id0", "id1"}
    with EpisodeWriter(tmp_path) as w:
        w.append(rec(2))
    assert read_episodes(tmp_path).ids == {"id0", "id1", "id2"}


def test_corrupt_inner_line_is_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / EPISODES_FILE
    path.write_text(json.dumps(rec(0)) + "\n{not json\n" + json.dumps(rec(1)) + "\n")
    found = read_episodes(tmp_path)
    assert found.ids == {"id0", "id1"} and found.bad_lines == [2]


def test_last_record_of_an_id_wins(tmp_path: Path) -> None:
    with EpisodeWriter(tmp_path) as w:
        w.append(rec(0, stop_reason="error"))
        w.append(rec(1))
        w.append(rec(0, stop_reason="terminated"))
    found = read_episodes(tmp_path)
    assert len(found.records) == 2
    assert {r["episode_id"]: r["stop_reason"] for r in found.records if "stop_reason" in r} == {
        "id0": "terminated"
    }


def test_folder_checks(tmp_path: Path) -> None:
    assert check_output_folder(tmp_path / "new", "h1", resume=False) == 0
    assert check_output_folder(tmp_path, "h1", resume=False) == 0  # empty folder
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="holds no telic run"):
        check_output_folder(tmp_path, "h1", resume=True)
    run = tmp_path / "run"
    run.mkdir()
    write_manifest(run, {"scenario_hash": "h1", "scenario": {"name": "tiny"}})
    with EpisodeWriter(run) as w:
        w.append(rec(0))
    with pytest.raises(OutputFolderError, match=r"add --resume.*1 episodes recorded|1 episodes"):
        check_output_folder(run, "h1", resume=False)
    assert check_output_folder(run, "h1", resume=True) == 1
    with pytest.raises(OutputFolderError, match="another scenario \\('tiny'"):
        check_output_folder(run, "h2", resume=True)
