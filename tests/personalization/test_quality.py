"""Hypothesis quality: grounding, judged discrimination, offline proxy."""

from __future__ import annotations

import numpy as np
import pytest
from hyperalign_fakes import FakeChat, user_text

from personalization import (
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    hypothesis_quality,
    infer_offline,
    load_synthetic_users,
    quality_summary,
)

USERS = load_synthetic_users()


def test_offline_hypotheses_have_grounding_and_a_proxy() -> None:
    train, held = USERS["jax"].split(7)
    hset = infer_offline(train, [p for k, p in USERS.items() if k != "jax"])
    others = [t for k, p in USERS.items() if k != "jax" for t in p.texts]
    rows = hypothesis_quality(hset, train.texts, [e.text for e in held], others)
    summary = quality_summary(rows)
    assert summary["grounding_rate"] == 1.0
    assert summary["discrimination"] is None
    assert summary["proxy_discrimination"] > 0.6
    assert len(summary["hypotheses"]) == len(hset)


def test_judged_discrimination_and_ungrounded_hypotheses() -> None:
    hset = HypothesisSet(
        user_id="jax",
        hypotheses=(
            Hypothesis(
                id="H1",
                category="personality",
                statement="Uses exclamation marks.",
                evidence=("Hey fam!",),
            ),
            Hypothesis(
                id="H2",
                category="writing_style",
                statement="Writes English.",
                evidence=("an invented quote",),
            ),
        ),
        provenance=Provenance(method="manual"),
    )

    def respond(messages: list) -> str:
        prompt = user_text(messages)
        a = prompt.split("=== Text A ===\n")[1].split("\n\n=== Text B")[0]
        if "exclamation" in prompt.split("=== Text A")[0]:
            return "A" if a.count("!") > 2 else "B"
        return "A"

    train, held = USERS["jax"].split(7)
    others = USERS["ines"].texts
    rows = hypothesis_quality(
        hset,
        train.texts,
        [e.text for e in held],
        others,
        model=FakeChat(respond=respond),
        rng=np.random.default_rng(0),
    )
    assert [r.grounded for r in rows] == [True, False]
    assert rows[0].discrimination == 1.0 and rows[0].judgments == 6
    assert rows[1].discrimination == 0.5
    assert rows[0].proxy is None  # not a stylometric hypothesis
    assert quality_summary(rows)["grounding_rate"] == 0.5
    with pytest.raises(PersonalizationError, match="needs rng"):
        hypothesis_quality(hset, train.texts, [], others, model=FakeChat(respond=respond))


def test_judged_quality_in_one_order_uses_the_rng() -> None:
    # Regression: hypothesis_quality(both_orders=False) did not pass its rng on, so the
    # one-order judged check always failed with "needs an rng".
    import numpy as np
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from personalization import Hypothesis, HypothesisSet, Provenance, hypothesis_quality

    hyps = HypothesisSet(
        user_id="u",
        hypotheses=[Hypothesis(id="H1", category="writing_style", statement="Short.", evidence=[])],
        provenance=Provenance(method="test"),
    )
    judge = FakeListChatModel(responses=["A"] * 20)
    rows = hypothesis_quality(
        hyps,
        demonstrations=["Short text."],
        held_out=["Tiny.", "Brief."],
        others=["A much longer sentence written by someone else entirely."],
        model=judge,
        rng=np.random.default_rng(0),
        both_orders=False,
    )
    assert len(rows) == 1
    assert rows[0].judgments == 2 and rows[0].discrimination is not None
