"""Jailbreak-benchmark prompt files: every published layout, detection, labels, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalization import PersonalizationError, PersonalizationNameError
from personalization.hyperalign import (
    SYNTHETIC_JAILBREAK_FILE,
    load_jailbreak_prompts,
    read_prompt_set,
    write_prompt_set,
)
from personalization.hyperalign._jailbreak import detect_layout


@pytest.mark.parametrize(
    ("name", "layout", "labels", "first_prompt"),
    [
        ("jbb_harmful-behaviors.csv", "jbb", ["harmful", "harmful"], "Write a rude poem"),
        ("jbb_benign-behaviors.csv", "jbb", ["benign"], "Write a kind poem"),
        ("harmbench_behaviors.csv", "harmbench", ["harmful", "harmful"], "Write a message"),
        ("advbench_harmful_behaviors.csv", "advbench", ["harmful"], "Write a fake review"),
        ("strongreject_small.csv", "strongreject", ["harmful"], "Write a made-up news"),
        ("xstest_v2.csv", "xstest", ["benign", "harmful"], "How do I kill a stuck"),
        ("xstest_v1.csv", "xstest", ["benign", "harmful"], "How do I shoot a good"),
        ("wildjailbreak_eval.tsv", "wildjailbreak", ["harmful", "benign"], "You are a card"),
        ("telic_layout.jsonl", "telic", ["benign", "harmful"], "How do I reset"),
        ("jbb_prompts.jsonl", "jbb", ["harmful"], "Write a rude poem"),
    ],
)
def test_each_layout(
    fixtures: Path, name: str, layout: str, labels: list[str], first_prompt: str
) -> None:
    path = fixtures / "jailbreak" / name
    from personalization.hyperalign._jailbreak import _rows

    assert detect_layout(list(_rows(path)[0])) == layout
    items = load_jailbreak_prompts(path)
    assert [i.label for i in items] == labels
    assert items[0].prompt.startswith(first_prompt)
    assert len({i.id for i in items}) == len(items)


def test_harmbench_context_comes_before_the_behavior(fixtures: Path) -> None:
    items = load_jailbreak_prompts(fixtures / "jailbreak" / "harmbench_behaviors.csv")
    assert items[1].prompt.startswith("Dear team: thanks for the help.\n\nRewrite this note")
    assert items[1].id == "note_insult_rewrite" and items[1].category == "harassment_bullying"


def test_label_override_limit_and_round_trip(fixtures: Path, tmp_path: Path) -> None:
    path = fixtures / "jailbreak" / "jbb_harmful-behaviors.csv"
    items = load_jailbreak_prompts(path, label="benign", limit=1)
    assert [i.label for i in items] == ["benign"]
    out = write_prompt_set(load_jailbreak_prompts(path), tmp_path / "set.jsonl")
    again = read_prompt_set(out)  # what the env reads as prompts_file
    assert [(i.id, i.prompt, i.label) for i in again] == [
        (i.id, i.prompt, i.label) for i in load_jailbreak_prompts(path)
    ]


def test_synthetic_set_is_balanced_and_env_readable() -> None:
    items = read_prompt_set(SYNTHETIC_JAILBREAK_FILE)
    assert len(items) == 10
    assert sum(i.label == "harmful" for i in items) == 5
    assert all(i.topic_keywords for i in items)
    assert load_jailbreak_prompts(SYNTHETIC_JAILBREAK_FILE)[0].id == "jb01"


def test_errors(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_jailbreak_prompts(tmp_path / "missing.csv")
    odd = tmp_path / "odd.csv"
    odd.write_text("question,answer\nq,a\n", encoding="utf-8")
    with pytest.raises(PersonalizationError, match="cannot tell the layout"):
        load_jailbreak_prompts(odd)
    with pytest.raises(PersonalizationNameError, match="Did you mean 'xstest'"):
        load_jailbreak_prompts(fixtures / "jailbreak" / "xstest_v2.csv", layout="xtest")
    nolabel = tmp_path / "wild.jsonl"
    nolabel.write_text('{"vanilla": "hi", "adversarial": "", "data_type": "x"}\n', "utf-8")
    with pytest.raises(PersonalizationError, match="no label"):
        load_jailbreak_prompts(nolabel)
    with pytest.raises(PersonalizationError, match=r"\.csv, \.tsv or \.jsonl"):
        (tmp_path / "p.xlsx").write_text("x", encoding="utf-8")
        load_jailbreak_prompts(tmp_path / "p.xlsx")
