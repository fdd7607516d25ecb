"""The anagram domain: the word list, each task's scoring against hand-worked cases, both
protocols, the checker and the scripted policies."""

from __future__ import annotations

from importlib import resources

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs import encode_tool_call, make_policies, resolve_policy
from envs.anagrams import ANAGRAM_ENVS, is_word, n_permutations, valid_words, word_list
from envs.testing import check_text_env

IDS = [env_id for env_id, _, _ in ANAGRAM_ENVS]


def _env(env_id: str, protocol: str = "tags", **kwargs):  # type: ignore[no-untyped-def]
    env = gym.make(env_id, protocol=protocol, **kwargs)
    obs, _ = env.reset(seed=0)
    return env, obs


def _say(env, protocol: str, name: str, **args):  # type: ignore[no-untyped-def]
    if protocol == "tools":
        return env.step(encode_tool_call(name, args))
    value = next(iter(args.values())) if args else name
    return env.step(f"Let me try. <{value}>")


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_check_text_env_passes(env_id: str, protocol: str) -> None:
    check_text_env(env_id, protocols=(protocol,), seeds=(0, 5), n_letters=4)


def test_the_bundled_word_list() -> None:
    text = resources.files("envs.anagrams.data").joinpath("words.txt").read_text("utf-8")
    lines = text.splitlines()
    assert len(lines) == len(set(lines)) == len(word_list()) == 29079
    assert lines == sorted(lines)
    assert all(line.isascii() and line.isalpha() and line.islower() for line in lines)
    assert {len(w) for w in lines} == {3, 4, 5, 6}
    assert is_word("Cat") and is_word("listen") and not is_word("tca")
    assert valid_words("tca") == ("act", "cat")
    assert valid_words("nestil") == ("enlist", "listen", "silent", "tinsel")
    assert n_permutations("abcd") == 24 and n_permutations("aab") == 3
    assert n_permutations("aabb") == 6


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_anagram_scoring_hand_worked(protocol: str) -> None:
    env, obs = _env("telic/Anagrams-v0", protocol, letters="tca")
    assert "'tca'" in obs and "10 replies" in obs
    steps = [
        ("cat", "Well done: 'cat' is a word", 1),
        ("cat", "already found 'cat'", 1),
        ("tac", "'tac' is not an English word", 1),
        ("dog", "does not use exactly the letters 'tca'", 1),
        ("cata", "does not use exactly the letters", 1),
        ("ACT", "Well done: 'act' is a word", 2),
    ]
    for word, said, found in steps:
        obs, reward, terminated, truncated, info = _say(env, protocol, "submit_word", word=word)
        assert said in obs and info["n_found"] == found
        assert not info["invalid_action"] and not terminated and not truncated and reward == 0
    obs, reward, terminated, truncated, info = _say(env, protocol, "done")
    assert terminated and not truncated and info["completed"]
    assert reward == info["return"] == 2.0
    assert info["optimal_return"] == 2.0 and info["regret"] == 0.0
    assert info["words_found"] == ["cat", "act"] and info["valid_words"] == ["act", "cat"]
    assert info["repeats"] == 1 and info["non_words"] == 1 and info["non_arrangements"] == 2
    assert info["arrangements_tried"] == 3  # cat, tac, act
    # Six arrangements, two words, ten replies: random submissions find both.
    assert info["random_return"] == 2.0 and info["n_permutations"] == 6


def test_anagram_regret_counts_the_valid_words_missed_and_the_budget_ends_it() -> None:
    env, _ = _env("telic/Anagrams-v0", letters="psto", max_steps=3)
    env.step("<spot>")
    env.step("<xyz>")
    *_, terminated, truncated, info = env.step("<tops>")
    assert truncated and not terminated and info["completed"]
    assert info["return"] == 2.0 and info["optimal_return"] == 4.0 and info["regret"] == 2.0
    # 3 different random arrangements out of 24 find 3 * 4 / 24 words on average.
    assert info["random_return"] == pytest.approx(0.5)


def test_an_empty_submission_is_an_invalid_action() -> None:
    env, _ = _env("telic/Anagrams-v0", letters="tca")
    *_, info = env.step("<  >")
    assert info["invalid_action"]


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_generate_permutations_scoring_hand_worked(protocol: str) -> None:
    env, obs = _env("telic/GeneratePermutations-v0", protocol, letters="aab")
    assert env.unwrapped.step_cap == 3 + 10
    for text, said, count in [
        ("aba", "Listed.", 1),
        ("aba", "already listed 'aba'", 1),
        ("abc", "does not use exactly the letters 'aab'", 1),
        ("baa", "Listed.", 2),
    ]:
        obs, *_, info = _say(env, protocol, "submit_arrangement", arrangement=text)
        assert said in obs and f"Arrangements listed so far ({count})" in obs
        assert not info["invalid_action"]
    *_, terminated, _, info = _say(env, protocol, "done")
    assert terminated and info["completed"]
    assert info["return"] == 2.0 and info["optimal_return"] == 3.0 and info["regret"] == 1.0
    assert info["fraction_generated"] == pytest.approx(2 / 3)
    assert info["wrong_arrangements"] == 1


@pytest.mark.parametrize(
    ("query", "answer", "correct"),
    [("cat", "yes", 1.0), ("tca", "yes", 0.0), ("tca", "no", 1.0), ("dog", "no", 0.0)],
)
def test_is_word_scoring_hand_worked(query: str, answer: str, correct: float) -> None:
    for protocol in ("tags", "tools"):
        env, obs = _env("telic/IsWord-v0", protocol, letters=query)
        assert f"'{query}'" in obs
        *_, terminated, _, info = _say(env, protocol, answer)
        assert terminated and info["completed"] and info["return"] == correct
        assert info["is_word"] is is_word(query) and info["answered_yes"] is (answer == "yes")


def test_is_word_asks_about_words_and_shuffled_non_words_equally_often() -> None:
    env = gym.make("telic/IsWord-v0", n_letters=5)
    truths = []
    for seed in range(400):
        env.reset(seed=seed)
        query = env.unwrapped.query
        assert len(query) == 5
        truths.append(is_word(query))
        if not truths[-1]:
            assert valid_words(query), "a non-word is a shuffle of some word"
    assert 0.4 < float(np.mean(truths)) < 0.6


def test_letters_depend_on_the_seed_only_and_are_not_shown_as_a_word() -> None:
    a = gym.make("telic/Anagrams-v0", n_letters=5)
    b = gym.make("telic/GeneratePermutations-v0", n_letters=5)
    for seed in range(30):
        a.reset(seed=seed)
        b.reset(seed=seed)
        assert a.unwrapped.letters == b.unwrapped.letters
        assert valid_words(a.unwrapped.letters)
        assert not is_word(a.unwrapped.letters) or len(set(a.unwrapped.letters)) == 1


def test_bad_arguments_say_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="n_letters must be between 3 and 6"):
        gym.make("telic/Anagrams-v0", n_letters=7)
    with pytest.raises(ValueError, match="letters must be 3 to 6 lower-case letters"):
        gym.make("telic/Anagrams-v0", letters="ab1")
    with pytest.raises(ValueError, match="max_steps must be"):
        gym.make("telic/Anagrams-v0", max_steps=0)


# ------------------------------------------------------------------ policies
def _play(env_id: str, policy: str, seed: int, protocol: str = "tags", **kwargs):  # type: ignore[no-untyped-def]
    env = gym.make(env_id, protocol=protocol, **kwargs)
    obs, _ = env.reset(seed=seed)
    policies = make_policies(policy, seed=0)
    seen, rng = [obs], np.random.default_rng(seed + 1000)
    while True:
        move = resolve_policy(policies, seen).act(seen, rng)
        action = move.text if protocol == "tags" else encode_tool_call(move.name, move.args)
        obs, _, terminated, truncated, info = env.step(action)
        assert not info["invalid_action"], obs
        seen.append(obs)
        if terminated or truncated:
            return info


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_oracle_is_perfect_everywhere(protocol: str) -> None:
    for seed in range(5):
        info = _play("telic/Anagrams-v0", "oracle", seed, protocol, n_letters=4)
        assert info["regret"] == 0 and info["steps"] == info["n_valid_words"] + 1
        info = _play("telic/GeneratePermutations-v0", "oracle", seed, protocol, n_letters=4)
        assert info["fraction_generated"] == 1.0
        info = _play("telic/IsWord-v0", "oracle", seed, protocol, n_letters=4)
        assert info["correct"] is True


def test_lazy_finds_the_words_among_half_of_the_arrangements() -> None:
    found, expected = [], []
    for seed in range(60):
        info = _play("telic/Anagrams-v0", "lazy", seed, n_letters=4)
        perms = info["n_permutations"]
        found.append(info["return"])
        expected.append(info["n_valid_words"] * np.ceil(perms / 2) / perms)
        assert _play("telic/GeneratePermutations-v0", "lazy", seed, n_letters=4)["regret"] == 0
    assert sum(found) < sum(expected) + 8 and sum(found) > sum(expected) - 8
    assert sum(found) < 0.75 * sum(
        _play("telic/Anagrams-v0", "oracle", s, n_letters=4)["return"] for s in range(60)
    )


def test_random_submits_random_arrangements_until_the_budget_ends() -> None:
    returns, baseline = [], []
    for seed in range(60):
        info = _play("telic/Anagrams-v0", "random", seed, n_letters=4)
        assert info["steps"] == 10 or info["steps"] == info["n_permutations"] + 1
        returns.append(info["return"])
        baseline.append(info["random_return"])
    assert abs(np.mean(returns) - np.mean(baseline)) < 0.35
    answers = [_play("telic/IsWord-v0", "random", s, n_letters=4)["correct"] for s in range(60)]
    assert 0.3 < float(np.mean(answers)) < 0.7


def test_anagram_ids_are_registered() -> None:
    assert set(IDS) <= {e.id for e in envs.registered_envs()}
