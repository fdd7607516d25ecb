"""Corpus loaders on small fixture files in the CCAT50, CMCC and JSONL layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalization import (
    PersonalizationError,
    PersonalizationNameError,
    first_sentence,
    load_ccat50,
    load_cmcc,
    load_deliberative_users,
    load_jsonl_users,
    load_synthetic_users,
    save_jsonl_users,
)
from personalization.hyperalign import CorpusFormatError, load_prompt_set, read_prompt_set


def test_ccat50_layout(fixtures: Path) -> None:
    users = load_ccat50(fixtures / "ccat50")
    assert list(users) == ["AliceReed", "BobStone"]
    alice = users["AliceReed"]
    assert [e.id for e in alice.examples] == [
        "C50train/AliceReed/100001newsML.txt",
        "C50train/AliceReed/100002newsML.txt",
        "C50test/AliceReed/200001newsML.txt",
    ]
    first = alice.examples[0]
    assert first.prompt == (
        "Write an article that starts with the following: Shares of Northwind Corp. rose 4 pct "
        "on Tuesday after the U.S. company reported higher quarterly profit."
    )
    assert "\n" not in first.text and "  " not in first.text
    assert first.genre == "news" and alice.source == "ccat50"
    test_only = load_ccat50(fixtures / "ccat50", split="test", authors=["BobStone"])
    assert list(test_only) == ["BobStone"] and len(test_only["BobStone"].examples) == 1
    assert "Harbour St. workers" in users["BobStone"].examples[1].prompt


def test_ccat50_errors(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(PersonalizationError, match="split must be"):
        load_ccat50(fixtures / "ccat50", split="dev")
    with pytest.raises(PersonalizationNameError, match="Did you mean 'AliceReed'"):
        load_ccat50(fixtures / "ccat50", authors=["AliceRead"])
    with pytest.raises(FileNotFoundError, match="C50train"):
        load_ccat50(tmp_path)


def test_cmcc_layout(fixtures: Path) -> None:
    users = load_cmcc(fixtures / "cmcc", topic_prompts={"A": "Should the church reform?"})
    assert sorted(users) == ["S1", "S2"]
    s1 = users["S1"]
    assert [e.id for e in s1.examples] == [
        "Emails/S1E1A1.txt",
        "Emails/S1E2E1.txt",
        "Essays/S1S1C1.txt",
    ]
    assert s1.examples[0].prompt == (
        "Write an email response to a someone who asked you the following: Should the church "
        "reform?"
    )
    assert s1.examples[1].prompt.endswith("(CMCC topic E)")
    assert s1.examples[2].prompt.startswith("Write an approximately 500 word essay")
    assert [e.genre for e in s1.examples] == ["email", "email", "essay"]
    # the cp1252 file decodes to a real apostrophe
    assert users["S2"].examples[-1].text.startswith("It\u2019s a hard question")
    emails = load_cmcc(fixtures / "cmcc", genres=["Emails"])
    assert all(e.genre == "email" for u in emails.values() for e in u.examples)


def test_cmcc_errors(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="Blogs"):
        load_cmcc(fixtures / "cmcc", genres=["Blogs"])
    bad = tmp_path / "Emails"
    bad.mkdir()
    (bad / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(PersonalizationError, match="does not follow"):
        load_cmcc(tmp_path, genres=["Emails"])


def test_jsonl_users_round_trip(fixtures: Path, tmp_path: Path) -> None:
    users = load_jsonl_users(fixtures / "users.jsonl")
    assert list(users) == ["pat", "lou"]
    assert users["pat"].attributes == {"role": "gardener"}
    assert users["pat"].truth == {"persona": "terse gardener"}
    assert len(users["lou"].examples) == 3 and users["lou"].source == "jsonl"
    path = save_jsonl_users(users.values(), tmp_path / "again.jsonl")
    again = load_jsonl_users(path)
    assert again == users


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"text": "hi"}', 'needs a "user" string'),
        ('{"user": "a", "text": ""}', '"text" must be non-empty'),
        ('{"user": "a", "text": "x", "attributes": []}', '"attributes" must be an object'),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "users.jsonl"
    path.write_text('{"user": "ok", "text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=f"users.jsonl:2.*{message}|{message}"):
        load_jsonl_users(path)


def test_first_sentence_respects_abbreviations() -> None:
    assert first_sentence("Acme Inc. and Foo Co. merged. Then more.") == (
        "Acme Inc. and Foo Co. merged."
    )
    assert first_sentence("J. Smith said so. Later.") == "J. Smith said so."
    assert first_sentence("no period at all") == "no period at all"


def test_bundled_corpora_are_labelled_synthetic() -> None:
    users = load_synthetic_users()
    assert len(users) >= 8
    for profile in users.values():
        assert profile.synthetic and profile.source == "synthetic"
        assert len(profile.examples) >= 10
        assert {e.genre for e in profile.examples} == {"email", "blog", "news"}
        assert all(e.prompt for e in profile.examples)
        assert profile.truth["persona"]
    delib = load_deliberative_users()
    assert len(delib) >= 6 and all(p.synthetic for p in delib.values())
    assert {p.truth["format"] for p in delib.values()} == {"bullets", "numbered", "prose"}


def test_prompt_sets(fixtures: Path, tmp_path: Path) -> None:
    csv_items = read_prompt_set(fixtures / "prompts.csv")
    assert [(p.id, p.label) for p in csv_items] == [
        ("c1", "benign"),
        ("c2", "harmful"),
        ("c3", "benign"),
    ]
    assert csv_items[0].topic_keywords == ("router", "reset", "button")
    json_items = read_prompt_set(fixtures / "prompts.jsonl")
    assert [p.id for p in json_items] == ["p01", "p02"]
    bundled = load_prompt_set()
    labels = [p.label for p in bundled]
    assert labels.count("benign") >= 10 and labels.count("harmful") >= 8
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,label\nhello,harmfull\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="Did you mean 'harmful'"):
        read_prompt_set(bad)
    with pytest.raises(CorpusFormatError, match=r"\.jsonl or \.csv"):
        read_prompt_set(tmp_path / "x.txt")
    nolabel = tmp_path / "nolabel.csv"
    nolabel.write_text("prompt\nhello\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="missing \\['label'\\]"):
        read_prompt_set(nolabel)
