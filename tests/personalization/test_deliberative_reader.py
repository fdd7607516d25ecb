"""``scripted:deliberative_reader``: reads the block's format and length (a plumbing check)."""

from __future__ import annotations

from agents import make_model
from personalization import condition_block, load_deliberative_users
from personalization.hyperalign._deliberative_reader import read_preferences, shaped_answer


def test_reads_oracle_and_offline_statements() -> None:
    assert read_preferences(None) == (None, None)
    assert read_preferences(
        "H1. [preference] Format: numbered.\nH2. [preference] Length: detailed."
    ) == (
        "numbered",
        "detailed",
    )
    offline = "H1. [writing_style] Structures text as bulleted or numbered lists (x)."
    assert read_preferences(offline) == ("bullets", None)
    assert shaped_answer("How do I do it?", None, None) == shaped_answer(
        "How do I do it?", "x", None
    )
    assert shaped_answer("q", "bullets", "brief").startswith("- Here is some")
    assert len(shaped_answer("q", "prose", "detailed").split()) >= 150


def _episode_reward(condition: str, user: str) -> float:
    from agents import AgentConfig, run_episode

    profile = load_deliberative_users()[user]
    block = condition_block(condition, profile)
    record = run_episode(
        env_id="telic/DeliberativeAlignment-v0",
        env_kwargs={"user": user, "prompt_id": "b01"},
        seed=0,
        model=make_model("scripted:deliberative_reader"),
        config=AgentConfig(personalization=block),
    )
    return float(record.info["style_match"])


def test_the_oracle_block_changes_the_scored_style() -> None:
    # kim wants brief bullets; with the truth in the block the answer matches, without it not
    assert _episode_reward("oracle", "kim") > _episode_reward("none", "kim")
