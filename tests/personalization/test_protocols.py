"""DITTO's CMCC and CCAT50 protocols re-derived from corpora in their real layouts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from corpus_layouts import ccat50_layout as _ccat50
from corpus_layouts import cmcc_layout as _cmcc

from personalization import (
    PersonalizationError,
    first_sentence,
    load_cmcc,
    load_jsonl_users,
)
from personalization.hyperalign import (
    ditto_ccat50,
    ditto_cmcc,
    read_topic_file,
    write_split,
)
from personalization.hyperalign._protocols import stratified_sizes


def test_cmcc_split_has_dittos_sizes(tmp_path: Path) -> None:
    users, record = ditto_cmcc(_cmcc(tmp_path))
    assert record.sizes == {"train": 151, "val": 50, "test": 51}
    per_author = Counter(len(s["train"]) for s in record.splits.values())
    assert per_author == {7: 17, 8: 4}
    assert {len(s["test"]) for s in record.splits.values()} == {2, 3}
    for author, split in record.splits.items():
        ids = split["train"] + split["val"] + split["test"]
        assert len(ids) == len(set(ids)) == 12  # a partition of the author's texts
        profile = users[author]
        assert [e.id for e in profile.examples] == split["train"][:7] + split["test"]
    assert record.protocol == "ditto_cmcc" and record.seed == 0 and record.n_train == 7
    assert "no topic file" in record.note


def test_cmcc_split_is_seeded(tmp_path: Path) -> None:
    root = _cmcc(tmp_path)
    _, a = ditto_cmcc(root)
    _, b = ditto_cmcc(root)
    _, c = ditto_cmcc(root, seed=1)
    assert a.splits == b.splits
    assert a.splits != c.splits


def test_cmcc_topic_file_gives_real_prompts(tmp_path: Path) -> None:
    root = _cmcc(tmp_path / "cmcc", n_authors=2)
    topics = tmp_path / "topics.txt"
    topics.write_text(
        "# CMCC topics\nC: Should the church change?\nG\tIs gay marriage right?\n", "utf-8"
    )
    users = load_cmcc(root, topic_file=topics)
    prompts = {e.id: e.prompt for e in users["S1"].examples}
    assert prompts["Emails/S1E1C1.txt"].endswith(
        "asked you the following: Should the church change?"
    )
    assert prompts["Essays/S1S1G2.txt"].endswith("prompt: Is gay marriage right?")
    assert prompts["Essays/S1S1I3.txt"].endswith("(CMCC topic I)")
    as_json = tmp_path / "topics.json"
    as_json.write_text(json.dumps({"m": "Marijuana?"}), "utf-8")
    assert read_topic_file(as_json) == {"M": "Marijuana?"}
    bad = tmp_path / "bad.txt"
    bad.write_text("A: not a CMCC topic\n", "utf-8")
    with pytest.raises(PersonalizationError, match="unknown CMCC topic letter"):
        read_topic_file(bad)


def test_cmcc_blogs_get_a_blog_prompt(tmp_path: Path) -> None:
    folder = tmp_path / "Blogs" / "Correlated"
    folder.mkdir(parents=True)
    (folder / "S1B1C2.txt").write_text("My view.", "utf-8")
    users = load_cmcc(tmp_path, genres=["Blogs"], topic_prompts={"C": "Church reform?"})
    example = users["S1"].examples[0]
    assert example.genre == "blog"
    assert example.prompt == "Write a blog post giving your view on the following: Church reform?"


def test_ccat50_split_has_dittos_sizes(tmp_path: Path) -> None:
    users, record = ditto_ccat50(_ccat50(tmp_path))
    for author, split in record.splits.items():
        assert len(split["train"]) == 40 and len(split["val"]) == 3 and len(split["test"]) == 3
        assert all(i.startswith("C50train/") for i in split["train"] + split["val"])
        assert split["test"] == [f"C50test/{author}/{1000 + d}newsML.txt" for d in range(3)]
    assert record.sizes == {"train": 160, "val": 12, "test": 12}
    profile = users["Author0"]
    assert len(profile.examples) == 10
    # the prompt keeps "No. 2" whole (abbreviation before a number)
    assert profile.examples[-1].prompt == (
        "Write an article that starts with the following: The No. 2 carrier of C50test said on "
        "Monday."
    )


def test_write_split_round_trips(tmp_path: Path) -> None:
    users, record = ditto_cmcc(_cmcc(tmp_path / "cmcc", n_authors=3))
    users_path, record_path = write_split(users, record, tmp_path / "out" / "cmcc.jsonl")
    again = load_jsonl_users(users_path)
    assert {u: [e.id for e in p.examples] for u, p in again.items()} == {
        u: [e.id for e in p.examples] for u, p in users.items()
    }
    saved = json.loads(record_path.read_text("utf-8"))
    assert saved["protocol"] == "ditto_cmcc" and saved["splits"] == record.splits


def test_stratified_sizes_allocates_remainders() -> None:
    assert stratified_sizes({"a": 12, "b": 12}, 15) == {"a": 8, "b": 7}
    assert sum(stratified_sizes({str(i): 12 for i in range(21)}, 151).values()) == 151
    with pytest.raises(PersonalizationError):
        stratified_sizes({"a": 2}, 3)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("The No. 2 carrier cut fares. Rivals followed.", "The No. 2 carrier cut fares."),
        ("Sales rose in Vol. 3 of the report. Then fell.", "Sales rose in Vol. 3 of the report."),
        ("He said no. Then he left.", "He said no."),
        ("Sen. Smith voted. Others did not.", "Sen. Smith voted."),
    ],
)
def test_first_sentence_abbreviations(text: str, first: str) -> None:
    assert first_sentence(text) == first
