"""Per-step overhead of the agent runtime.

Plays the same episodes (same env, seeds and scripted policy) four ways, in one run:

1. raw ``env.step`` driven by the policy directly (the baseline);
2. a bare two-node LangGraph loop (policy node, env node) with no telic machinery;
3. telic's full agent graph with the ``scripted:<policy>`` chat model (``run_episode``);
4. the full graph with the real OpenAI SDK (``ChatOpenAI``) against the local fake provider.

and prints steps per second and the ratios as markdown. Run ``python -m benchmarks.bench_agents``
(``--episodes``, ``--env``, ``--policy`` to change the workload).
"""

from __future__ import annotations

import argparse
import operator
import os
import time
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

import envs
from agents import make_model, run_episode
from agents._scripted import scripted_move
from agents.testing import FakeProviderServer


def raw_loop(env_id: str, kwargs: dict[str, Any], seeds: list[int], policy: str) -> int:
    policies = envs.make_policies(policy)
    steps = 0
    for seed in seeds:
        env = envs.make(env_id, **kwargs)
        observation, _ = env.reset(seed=seed)
        observations = [observation]
        done = False
        while not done:
            move = scripted_move(policies, observations, 0)
            observation, _r, terminated, truncated, _i = env.step(move.text)
            observations.append(observation)
            done = terminated or truncated
            steps += 1
        env.close()
    return steps


class _BareState(TypedDict):
    observations: Annotated[list[str], operator.add]
    action: str
    done: bool


def bare_graph_loop(env_id: str, kwargs: dict[str, Any], seeds: list[int], policy: str) -> int:
    policies = envs.make_policies(policy)
    steps = 0
    for seed in seeds:
        env = envs.make(env_id, **kwargs)
        observation, _ = env.reset(seed=seed)

        def act(state: _BareState) -> dict[str, Any]:
            return {"action": scripted_move(policies, state["observations"], 0).text}

        def step(state: _BareState, env=env) -> dict[str, Any]:
            obs, _r, terminated, truncated, _i = env.step(state["action"])
            return {"observations": [obs], "done": terminated or truncated}

        graph = StateGraph(_BareState)
        graph.add_node("agent", act)
        graph.add_node("env", step)
        graph.add_edge(START, "agent")
        graph.add_edge("agent", "env")
        graph.add_conditional_edges("env", lambda s: END if s["done"] else "agent", ["agent", END])
        cap = env.unwrapped.step_cap  # type: ignore[attr-defined]
        final = graph.compile().invoke(
            {"observations": [observation], "action": "", "done": False},
            config={"recursion_limit": 2 * cap + 10},
        )
        steps += len(final["observations"]) - 1
        env.close()
    return steps


def full_graph(env_id: str, kwargs: dict[str, Any], seeds: list[int], model: Any) -> int:
    steps = 0
    for seed in seeds:
        steps += run_episode(env_id=env_id, env_kwargs=kwargs, seed=seed, model=model).steps
    return steps


def _timed(fn: Any, *args: Any) -> tuple[int, float]:
    start = time.perf_counter()
    steps = fn(*args)
    return steps, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="telic/Combined-v1")
    parser.add_argument("--n-blocks", type=int, default=3)
    parser.add_argument("--policy", default="oracle")
    parser.add_argument("--episodes", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    kwargs = {"n_blocks": args.n_blocks, "protocol": "tags"}
    seeds = list(range(10, 10 + args.episodes))
    # Warm up imports and caches so the first measured loop is not charged for them.
    raw_loop(args.env, kwargs, seeds[:1], args.policy)
    full_graph(args.env, kwargs, seeds[:1], make_model(f"scripted:{args.policy}"))

    rows = []
    rows.append(
        ("raw `env.step` + policy", *_timed(raw_loop, args.env, kwargs, seeds, args.policy))
    )
    rows.append(("bare 2-node LangGraph loop",
                 *_timed(bare_graph_loop, args.env, kwargs, seeds, args.policy)))  # fmt: skip
    scripted = make_model(f"scripted:{args.policy}")
    rows.append(("telic graph, `scripted:` model",
                 *_timed(full_graph, args.env, kwargs, seeds, scripted)))  # fmt: skip
    with FakeProviderServer(policy=args.policy) as server:
        sdk = make_model("openai:gpt-4o-mini", base_url=server.openai_base_url,
                         api_key="benchmark")  # fmt: skip
        full_graph(args.env, kwargs, seeds[:1], sdk)
        rows.append(("telic graph, OpenAI SDK over local HTTP",
                     *_timed(full_graph, args.env, kwargs, seeds, sdk)))  # fmt: skip

    base_rate = rows[0][1] / rows[0][2]
    print(f"### Agent runtime overhead ({args.env}, n_blocks={args.n_blocks}, "
          f"`{args.policy}`, {args.episodes} episodes)\n")  # fmt: skip
    print("| loop | steps | seconds | steps/s | ms/step | slowdown vs raw |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, steps, seconds in rows:
        rate = steps / seconds
        print(f"| {name} | {steps} | {seconds:.2f} | {rate:,.0f} | {1000 / rate:.2f} "
              f"| {base_rate / rate:.1f}x |")  # fmt: skip
    graph_rate = rows[2][1] / rows[2][2]
    bare_rate = rows[1][1] / rows[1][2]
    print(f"\ntelic graph vs bare LangGraph loop: {bare_rate / graph_rate:.1f}x per step "
          f"({1000 / graph_rate - 1000 / bare_rate:.2f} ms extra per step).")  # fmt: skip


if __name__ == "__main__":
    main()
