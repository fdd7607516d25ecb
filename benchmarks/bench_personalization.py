"""HyPerAlign pipeline costs, each against a baseline measured in the same run.

* Offline inferer: hypotheses for the 8 bundled users (warm feature cache: every user is
  measured again as the reference of the others), against only tokenizing their texts.
* Authorship scorer: ``verify`` of a text against 8 profiles, against only extracting the
  text's character n-grams.
* ``telic/PersonalizedWriting-v0`` and ``telic/DeliberativeAlignment-v0`` episodes (reset +
  one step), against the bare Gymnasium toy env of ``bench_envs`` (reset + one step).
* Pairwise judging (both orders, parsing, aggregation with a 1000-resample bootstrap) with an
  instant fake chat model, against the same number of bare ``model.invoke`` calls.

Prints a markdown table::

    python -m benchmarks.bench_personalization [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import gymnasium as gym
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult

import envs
from benchmarks.bench_envs import TOY_ID, ToyEnv
from personalization import PairwiseItem, evaluate_pairwise, infer_offline, load_synthetic_users
from personalization._stylometry import words
from personalization.hyperalign import AuthorshipScorer, char_ngrams


class InstantChat(BaseChatModel):
    """A chat model that answers "A" at once (the judge's cost without a provider)."""

    @property
    def _llm_type(self) -> str:
        return "instant"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any):
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="A"))])


def rate(work: Callable[[], int], seconds: float) -> float:
    """Units of work per second (``work`` returns how many units it did)."""
    work()  # warm caches
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += work()
    return done / (time.perf_counter() - start)


def main() -> None:
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    seconds = parser.parse_args().seconds
    users = load_synthetic_users()
    trains = {uid: p.split(7)[0] for uid, p in users.items()}
    held = [e.text for p in users.values() for e in p.split(7)[1]]
    rows = []

    def infer_all() -> int:
        for uid, profile in trains.items():
            infer_offline(profile, [p for k, p in trains.items() if k != uid])
        return len(trains)

    def tokenize_all() -> int:
        for profile in trains.values():
            for text in profile.texts:
                words(text)
        return len(trains)

    rows.append(
        (
            "offline inferer (users/s)",
            rate(infer_all, seconds),
            "tokenize the same texts",
            rate(tokenize_all, seconds),
        )
    )

    scorer = AuthorshipScorer({uid: p.texts for uid, p in trains.items()})

    def verify_all() -> int:
        for text in held:
            scorer.verify(text, "jax")
        return len(held)

    def ngrams_all() -> int:
        for text in held:
            char_ngrams(text)
        return len(held)

    rows.append(
        (
            "authorship verify, 8 profiles (texts/s)",
            rate(verify_all, seconds),
            "n-grams of the text only",
            rate(ngrams_all, seconds),
        )
    )

    if TOY_ID not in gym.registry:
        gym.register(TOY_ID, entry_point=ToyEnv)
    toy = gym.make(TOY_ID)

    def toy_episode() -> int:
        toy.reset(seed=0)
        toy.step(1)
        return 1

    toy_rate = rate(toy_episode, seconds)
    for env_id, text in (
        ("telic/PersonalizedWriting-v0", held[0]),
        ("telic/DeliberativeAlignment-v0", "- Call the bank\n- Never share a password"),
    ):
        env = envs.make(env_id)
        counter = {"seed": 0}

        def episode(env: gym.Env = env, text: str = text, counter: dict = counter) -> int:
            counter["seed"] += 1
            env.reset(seed=counter["seed"])
            env.step(text)
            return 1

        rows.append(
            (f"{env_id} (episodes/s)", rate(episode, seconds), "toy env reset + step", toy_rate)
        )

    model = InstantChat()
    demos = tuple(trains["jax"].texts[:3])
    items = [
        PairwiseItem(
            id=str(i),
            user_id="jax",
            prompt="Write a note.",
            candidate=held[i],
            baseline=held[i + 1],
            demonstrations=demos,
        )
        for i in range(20)
    ]
    prompt = [HumanMessage(content="Which is better? " + held[0])]

    def judge_all() -> int:
        evaluate_pairwise(model, items)
        return len(items)

    def invoke_all() -> int:
        for _ in range(2 * len(items)):  # two orders per item
            model.invoke(prompt)
        return len(items)

    rows.append(
        (
            "pairwise judge, both orders (items/s)",
            rate(judge_all, seconds),
            "2 bare invoke calls per item",
            rate(invoke_all, seconds),
        )
    )

    print("| measurement | rate | baseline (same run) | baseline rate | rate / baseline |")
    print("|---|---:|---|---:|---:|")
    for name, value, base_name, base in rows:
        print(f"| {name} | {value:,.1f} | {base_name} | {base:,.1f} | {value / base:.3f} |")


if __name__ == "__main__":
    main()
