"""``envs.testing.check_text_env``: it passes every registered env and catches each kind of
broken env (one deliberately broken env per check)."""

from __future__ import annotations

import itertools
import threading
from typing import Any, ClassVar

import pytest

import envs
from envs import ActionError, ActionSpec, Outcome, Param, ParsedAction, TextEnv, parse_tag_action
from envs.testing import CHECKS, TextEnvCheckError, check_text_env

TELIC_IDS = [entry.id for entry in envs.registered_envs() if entry.id.startswith("telic/")]


@pytest.mark.parametrize("env_id", TELIC_IDS)
def test_every_registered_telic_env_passes(env_id: str) -> None:
    check_text_env(env_id, seeds=(0, 3))


def test_blocksworld_passes_with_other_kwargs() -> None:
    check_text_env("telic/Combined-v1", n_blocks=5, noise=0.1, perturb_prob=0.5)
    check_text_env("telic/InformationGathering-v1", protocols=("tools",), n_blocks=2)


class Counter(TextEnv):
    """A tiny valid text env: add numbers, then stop."""

    task_name: ClassVar[str] = "counter"
    SPECS = (
        ActionSpec("add", "add {value}", "Add a number.", (Param("value", "number"),)),
        ActionSpec("stop", "stop", "Stop."),
    )

    def __init__(self, *, protocol: str = "tags", render_mode: str | None = None) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        self.total = 0.0

    def action_specs(self) -> tuple[ActionSpec, ...]:
        return self.SPECS

    @property
    def step_cap(self) -> int:
        return 8

    def _start(self) -> str:
        self.total = float(self.np_random.integers(0, 5))
        return f"The total is {self.total:.2f}. Add numbers, then stop."

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "stop":
            return Outcome("Stopped.", terminated=True)
        if action.args["value"] > 1000:
            raise ActionError("numbers above 1000 are not allowed")
        self.total += action.args["value"] + float(self.np_random.random())
        return Outcome(f"The total is {self.total:.2f}.")

    def _summary(self) -> dict[str, Any]:
        return {"completed": True, "return": self.total, "optimal_return": 0.0, "regret": 0.0}


class NotSeeded(Counter):
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
        return super().reset(seed=None, options=options)  # ignores the seed


class IgnoresProtocol(Counter):
    def parse_action(self, action: str) -> ParsedAction:
        return parse_tag_action(action, self.available_actions())


class BadSchemas(Counter):
    def tool_schemas(self) -> list[dict[str, Any]]:
        schemas = super().tool_schemas()
        schemas[0]["function"]["parameters"]["properties"] = {"amount": {"type": "decimal"}}
        return schemas


class RaisesOnGarbage(Counter):
    def parse_action(self, action: str) -> ParsedAction:
        if not action.strip():
            raise IndexError("nothing to parse")
        return super().parse_action(action)


class MissingSummaryKey(Counter):
    def _summary(self) -> dict[str, Any]:
        summary = super()._summary()
        del summary["regret"]
        return summary


_global_counter = itertools.count()


class NonDeterministic(Counter):
    def _act(self, action: ParsedAction) -> Outcome:
        outcome = super()._act(action)
        outcome.observation += f" (call {next(_global_counter)})"
        return outcome


class Unpicklable(Counter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()


class OutsideSpace(Counter):
    def step(self, action: str):  # type: ignore[no-untyped-def]
        obs, reward, terminated, truncated, info = super().step(action)
        return obs + " \u2603", reward, terminated, truncated, info


def test_the_valid_toy_env_passes() -> None:
    check_text_env(Counter())


@pytest.mark.parametrize(
    ("broken", "check"),
    [
        (NotSeeded, "gymnasium"),
        (IgnoresProtocol, "protocols"),
        (BadSchemas, "tool_schemas"),
        (RaisesOnGarbage, "invalid_actions"),
        (MissingSummaryKey, "info_keys"),
        (NonDeterministic, "determinism"),
        (Unpicklable, "pickle"),
        (OutsideSpace, "observation_space"),
    ],
)
def test_each_broken_env_is_caught(broken: type[Counter], check: str) -> None:
    assert check in CHECKS
    with pytest.raises(TextEnvCheckError) as caught:
        check_text_env(broken())
    error = caught.value
    assert check in error.checks, str(error)
    assert f"[{check}]" in str(error) and broken.__name__ in str(error)
    # run alone, the check still fails (it is not a side effect of another check)
    with pytest.raises(TextEnvCheckError):
        check_text_env(broken(), checks=[check])


def test_checker_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown check"):
        check_text_env(Counter(), checks=["speed"])
    with pytest.raises(ValueError, match="protocols must be"):
        check_text_env(Counter(), protocols=("xml",))
    with pytest.raises(ValueError, match="seeds must"):
        check_text_env(Counter(), seeds=())
    with pytest.raises(envs.UnknownEnvError, match="Did you mean"):
        check_text_env("telic/Combined-v9")
