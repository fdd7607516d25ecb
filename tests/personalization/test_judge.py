"""The pairwise judge: both orders, ties, several judges, agreement, async, reference mode."""

from __future__ import annotations

import asyncio
import re

import pytest
from hyperalign_fakes import FakeChat, fixed, user_text

from personalization import (
    PairwiseItem,
    PersonalizationError,
    aevaluate_pairwise,
    evaluate_pairwise,
)
from personalization.toolkit import judge_pairwise, judgement_from_verdicts


def _item(i: int, user: str = "u1", marker_in: str = "candidate") -> PairwiseItem:
    good, plain = f"GOOD text {i}", f"plain text {i}"
    return PairwiseItem(
        id=f"{user}/{i}",
        user_id=user,
        prompt=f"Write note {i}.",
        candidate=good if marker_in == "candidate" else plain,
        baseline=plain if marker_in == "candidate" else good,
        demonstrations=("GOOD demo one.", "GOOD demo two."),
        reference=f"GOOD gold {i}",
    )


def _outputs(prompt: str) -> tuple[str, str]:
    a = re.search(r"=== Output A ===\n(.*?)\n\n=== Output B", prompt, re.S)
    b = re.search(r"=== Output B ===\n(.*?)\n\nWhich", prompt, re.S)
    assert a and b
    return a.group(1), b.group(1)


def prefers_good() -> FakeChat:
    """A judge that picks the output containing GOOD, wherever it stands."""

    def respond(messages: list) -> str:
        a, _ = _outputs(user_text(messages))
        return "A" if "GOOD" in a else "B"

    return FakeChat(respond=respond, model_name="good-judge")


@pytest.mark.parametrize(
    ("first", "second", "outcome", "score"),
    [
        ("A", "B", "win", 1.0),
        ("B", "A", "loss", 0.0),
        ("A", "A", "tie", 0.5),  # position bias: always the first output
        ("B", "B", "tie", 0.5),
        (None, "B", "tie", 0.5),
        (None, None, "tie", 0.5),
    ],
)
def test_verdicts_combine_over_both_orders(first, second, outcome, score) -> None:
    judgement = judgement_from_verdicts(first, second)
    assert (judgement.outcome, judgement.score) == (outcome, score)
    assert judgement.unparseable == (first is None) + (second is None)


def test_judge_sees_both_orders_and_demonstrations_only() -> None:
    judge = prefers_good()
    judgement = judge_pairwise(judge, _item(0))
    assert judgement.outcome == "win"
    first, second = (user_text(c) for c in judge.calls)
    assert _outputs(first) == ("GOOD text 0", "plain text 0")
    assert _outputs(second) == ("plain text 0", "GOOD text 0")
    assert "GOOD demo one." in first and "GOOD gold 0" not in first
    assert judge_pairwise(judge, _item(1, marker_in="baseline")).outcome == "loss"


def test_a_position_biased_judge_gives_only_ties() -> None:
    items = [_item(i) for i in range(6)]
    report = evaluate_pairwise(fixed("A", name="biased"), items)
    rate = report.per_judge["biased"]
    assert (rate.wins, rate.losses, rate.ties) == (0, 0, 6)
    assert rate.win_rate == 0.5 and rate.tie_rate == 1.0


def test_two_judges_agreement_and_per_user_rates() -> None:
    items = [_item(i, "u1") for i in range(4)] + [
        _item(i, "u2", marker_in="baseline") for i in range(4, 8)
    ]
    report = evaluate_pairwise({"good": prefers_good(), "biased": fixed("B")}, items)
    assert report.per_judge["good"].win_rate == 0.5
    assert report.per_user["good"]["u1"].win_rate == 1.0
    assert report.per_user["good"]["u2"].win_rate == 0.0
    assert report.per_judge["biased"].ties == 8
    # combined score per item: mean of (1 or 0) and 0.5 -> 0.75 / 0.25, always a tie
    assert report.combined.win_rate == 0.5 and report.combined.ties == 8
    assert report.per_user["combined"]["u1"].win_rate == 0.75
    assert report.agreement["percent"] == 0.0
    data = report.to_dict()
    assert data["n_items"] == 8 and data["unparseable"] == {"good": 0, "biased": 0}


def test_identical_judges_agree_perfectly() -> None:
    items = [_item(i) for i in range(3)] + [_item(3, marker_in="baseline")]
    report = evaluate_pairwise([prefers_good(), prefers_good()], items)
    assert report.agreement["percent"] == 1.0 and report.agreement["kappa"] == 1.0
    assert len(report.per_judge) == 2


def test_unreadable_replies_are_ties_and_counted() -> None:
    report = evaluate_pairwise(fixed("Hard to say."), [_item(0), _item(1)])
    assert report.to_dict()["unparseable"] == {"fake-chat": 4}
    assert report.combined.ties == 2


def test_reference_mode_uses_the_gold_text() -> None:
    judge = FakeChat(respond=lambda m: "A" if "GOOD text" in _outputs(user_text(m))[0] else "B")
    report = evaluate_pairwise(judge, [_item(0)], mode="reference")
    assert report.mode == "reference" and report.combined.wins == 1
    assert "GOOD gold 0" in user_text(judge.calls[0])
    with pytest.raises(PersonalizationError, match="no reference"):
        evaluate_pairwise(
            judge, [_item(0).model_copy(update={"reference": None})], mode="reference"
        )
    with pytest.raises(PersonalizationError, match="mode must be one of"):
        evaluate_pairwise(judge, [_item(0)], mode="style")


def test_async_matches_sync() -> None:
    items = [_item(i) for i in range(3)] + [_item(3, marker_in="baseline")]
    sync = evaluate_pairwise(prefers_good(), items)
    asyn = asyncio.run(aevaluate_pairwise(prefers_good(), items, max_concurrency=2))
    assert asyn.to_dict() == sync.to_dict()


def test_items_need_demonstrations_and_judges() -> None:
    bare = _item(0).model_copy(update={"demonstrations": ()})
    with pytest.raises(PersonalizationError, match="no demonstrations"):
        evaluate_pairwise(fixed("A"), [bare])
    with pytest.raises(PersonalizationError, match="judges is empty"):
        evaluate_pairwise({}, [_item(0)])
