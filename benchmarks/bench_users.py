"""Costs of simulated users: the personalized episode and offline hypothesis inference.

1. Episodes per second of ``scripted:personal_oracle`` on ``telic/PersonalizedBlocksworld-v0``
   with the user's true profile in its personalization block, against the plain
   ``scripted:oracle`` on ``telic/Combined-v1`` (the baseline: same seeds, same graph) in the
   same run. The ratio is the overhead of the wrapper, the rating and the preference handling
   (a frugal user's episodes are also shorter, which the steps column shows).
2. Offline hypothesis inference from 24 demonstrations, against drawing those demonstrations
   (the baseline) in the same run.

    python -m benchmarks.bench_users [--seeds 8]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")

from agents import AgentConfig, make_model, run_episode
from personalization import render_block
from personalization.users import (
    all_users,
    demonstration_profile,
    demonstrations,
    infer_preferences_offline,
    profile_hypotheses,
)


def _episodes(seeds: int) -> tuple[float, float, float, float]:
    users = list(all_users("blocksworld").values())
    plain = make_model("scripted:oracle")
    personal = make_model("scripted:personal_oracle")
    blocks = {u.id: render_block(profile_hypotheses(u)) for u in users}
    start, steps_plain = time.perf_counter(), 0
    for _user in users:  # the same number of episodes as below, on the same seeds
        for seed in range(seeds):
            record = run_episode(
                env_id="telic/Combined-v1", env_kwargs={"n_blocks": 3}, seed=seed, model=plain
            )
            steps_plain += record.steps
    plain_s = time.perf_counter() - start
    start, steps_personal = time.perf_counter(), 0
    for user in users:
        for seed in range(seeds):
            record = run_episode(
                env_id="telic/PersonalizedBlocksworld-v0",
                env_kwargs={"n_blocks": 3, "user": user.id, "show": "none"},
                seed=seed,
                model=personal,
                config=AgentConfig(personalization=blocks[user.id]),
            )
            steps_personal += record.steps
    personal_s = time.perf_counter() - start
    n = len(users) * seeds
    return n / plain_s, n / personal_s, steps_plain / n, steps_personal / n


def _inference(rounds: int) -> tuple[float, float]:
    users = list(all_users().values())
    start = time.perf_counter()
    for seed in range(rounds):
        for user in users:
            demonstrations(user, 24, seed)
    draw_s = time.perf_counter() - start
    start = time.perf_counter()
    for seed in range(rounds):
        for user in users:
            infer_preferences_offline(demonstration_profile(user, 24, seed), user.world)
    infer_s = time.perf_counter() - start
    n = rounds * len(users)
    return n / draw_s, n / infer_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds per user (default 8)")
    args = parser.parse_args()
    plain, personal, plain_steps, personal_steps = _episodes(args.seeds)
    draw, infer = _inference(20)
    print("### Simulated users\n")
    print("| measurement | baseline | simulated users | ratio |")
    print("|---|---|---|---|")
    print(
        f"| episodes/s (Combined n=3, scripted) | {plain:.1f} (oracle, plain task, "
        f"{plain_steps:.1f} steps) | {personal:.1f} (personal_oracle + true profile, "
        f"{personal_steps:.1f} steps) | {personal / plain:.2f}x |"
    )
    print(
        f"| profiles/s from 24 demonstrations | {draw:.0f} (drawing the demonstrations) | "
        f"{infer:.0f} (drawing + offline inference) | {infer / draw:.2f}x |"
    )


if __name__ == "__main__":
    main()
