"""``telic/PersonalizedBlocksworld-v0``: a Blocksworld task done for a simulated user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator

from envs import ActionError, ActionSpec, Outcome, Param, ParsedAction, TextEnv, check_int
from envs.blocksworld import extend as R
from envs.blocksworld.extend import BlocksworldEnv
from personalization.users import _texts as T
from personalization.users._demos import demonstrations
from personalization.users._library import get_user
from personalization.users._profiles import UserError
from personalization.users._rating import BlocksworldOutcome, rate_blocksworld
from telic import suggestion

#: The Blocksworld tasks a user can be attached to (the composite tasks).
SUPPORTED_TASKS: tuple[str, ...] = (
    "telic/InformationGathering-v0",
    "telic/CognitiveEffort-v0",
    "telic/PlanAndExecute-v0",
    "telic/Combined-v0",
    "telic/InformationGathering-v1",
    "telic/CognitiveEffort-v1",
    "telic/PlanAndExecute-v1",
    "telic/Combined-v1",
)
SHOW: tuple[str, ...] = ("demonstrations", "none")
#: Reports an episode may contain; more are invalid actions.
MAX_REPORTS = 3
REPORT_SPEC = ActionSpec(
    "report",
    "report {text}",
    T.REPORT_DESCRIPTION,
    (Param("text", "text", "the message to the user"),),
)


def _task_class(task: str) -> type[BlocksworldEnv]:
    if task not in SUPPORTED_TASKS:
        hint = suggestion(str(task), SUPPORTED_TASKS, n=1, cutoff=0.4)
        raise UserError(
            f"task must be one of the composite Blocksworld tasks {list(SUPPORTED_TASKS)}, got "
            f"{task!r}.{hint}"
        )
    entry = gym.spec(task).entry_point
    creator = load_env_creator(entry) if isinstance(entry, str) else entry
    return creator  # type: ignore[return-value]


class PersonalizedBlocksworld(TextEnv):
    """A composite Blocksworld task whose reward includes a hidden simulated user's preferences.

    ## Description
    Wraps one of the composite Blocksworld tasks (``task``, default ``telic/Combined-v0``) and
    attaches a simulated user from the library (``user``) with a hidden preference profile:
    the cost of a measurement, a block wanted at the top or on the table, risk aversion about
    top-heavy towers, and the report wanted at the end (``PREFERENCE_KEYS``). The
    blocks, noise and perturbations are exactly those of the wrapped task for the same seed,
    so runs pair with the plain task. The first observation starts with a section about the
    user: either ``n_demonstrations`` demonstrations drawn from the profile for the reset seed
    (``show="demonstrations"``) or nothing (``show="none"``, for runs that give hypotheses
    about the user through the agent's personalization block instead); then the task as usual.

    ## Action Space
    The wrapped task's actions, plus ``<report MESSAGE>`` (tool ``report(text)``), which sends
    the user a message (at most 3 per episode; the last one is what the user rates).

    ## Observation Space
    Text (:func:`envs.text_space`). Observations after the first are the wrapped task's.

    ## Rewards
    0 during the episode; at the end of a completed episode the **user reward**: the task
    return minus the user's penalty (``rate_blocksworld``); 0 if not completed.
    ``info["return"]`` stays the *task* return (so goal-directedness metrics read the task),
    and the final info adds ``task_return``, ``user_reward``, ``user_penalty``,
    ``user_satisfaction`` (share of applicable preferences met), ``user_feedback`` (per key:
    met or not, and why), ``user`` (id), ``user_profile`` (profile id), ``reports`` and
    ``final_towers`` (bottom first).

    ## Episode End
    As the wrapped task; the step cap is the task's plus 3 (for reports).

    ## Arguments
    ``task``, ``user`` (a Blocksworld user id), ``show`` ("demonstrations" or "none"),
    ``n_demonstrations`` (0-100, default 6), ``n_blocks``, ``noise``, ``perturb_prob``,
    ``distraction_prob`` (``None``: the task's defaults), ``continued``, ``protocol``,
    ``render_mode``.

    ## Version History
    * v0: initial version.
    """

    task_name: ClassVar[str] = "personalized_blocksworld"

    def __init__(
        self,
        *,
        task: str = "telic/Combined-v0",
        user: str = "frugal_fay",
        show: str = "demonstrations",
        n_demonstrations: int = 6,
        n_blocks: int = 3,
        noise: float | None = None,
        perturb_prob: float | None = None,
        distraction_prob: float | None = None,
        continued: bool = False,
        protocol: str = "tags",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        if show not in SHOW:
            raise UserError(f"show must be one of {list(SHOW)}, got {show!r}")
        if not isinstance(continued, bool):
            raise UserError(f"continued must be True or False, got {continued!r}")
        self.n_demonstrations = check_int("n_demonstrations", n_demonstrations, 0, 100)
        self.user = get_user(user, "blocksworld")
        self.show = show
        self.task = task
        self.continued = continued
        # The task ID's registered defaults (e.g. -v0's shared random streams) come first.
        inner_kwargs: dict[str, Any] = {
            **(gym.spec(task).kwargs if task in SUPPORTED_TASKS else {}),
            "n_blocks": n_blocks,
            "protocol": protocol,
        }
        for name, value in (
            ("noise", noise),
            ("perturb_prob", perturb_prob),
            ("distraction_prob", distraction_prob),
        ):
            if value is not None:
                inner_kwargs[name] = value
        self.inner: BlocksworldEnv = _task_class(task)(**inner_kwargs)
        # The wrapped task's name is what this env reports as info["task"], so the metrics
        # analyse the episode as that task; the class attribute names the wrapper.
        self.task_name = self.inner.task_name  # type: ignore[misc]
        self._reports: list[str] = []
        self._report_steps = 0
        self._reset_seed: int | None = None

    # ------------------------------------------------------------------ TextEnv hooks
    def action_specs(self) -> Sequence[ActionSpec]:
        return (*self.inner.action_specs(), REPORT_SPEC)

    def available_actions(self) -> Sequence[ActionSpec]:
        return (*self.inner.available_actions(), REPORT_SPEC)

    @property
    def step_cap(self) -> int:
        return self.inner.step_cap + MAX_REPORTS

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self._reset_seed = seed
        return super().reset(seed=seed, options=options)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        self.inner._perturbed_to = None
        observation, reward, terminated, truncated, info = super().step(action)
        if (terminated or truncated) and info.get("completed"):
            reward = float(info["user_reward"])
        return observation, reward, terminated, truncated, info

    def _start(self) -> str:
        if self._reset_seed is not None:
            seed = int(self._reset_seed)
        else:
            seed = int(self.np_random.integers(0, 2**31 - 1))
        self._reports = []
        self._report_steps = 0
        first, _ = self.inner.reset(seed=seed)
        parts = [R.CONTINUED] if self.continued else []
        parts += [self._user_section(seed), first]
        return "\n\n".join(parts)

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == REPORT_SPEC.name:
            if len(self._reports) >= MAX_REPORTS:
                raise ActionError(
                    f"you have already sent the user {MAX_REPORTS} reports; no more are allowed"
                )
            self._reports.append(str(action.args["text"]).strip())
            self._report_steps += 1
            parts = [T.REPORT_RECEIVED]
            if self.inner.BUILDS:
                parts.append(self.inner.state_description())
            return Outcome("\n\n".join(parts))
        self._sync()
        return self.inner._act(action)

    def _error_observation(self, reason: str) -> str:
        return self.inner._error_observation(reason)

    def _step_info(self) -> dict[str, Any]:
        return {**self.inner._step_info(), "reports": len(self._reports)}

    def _out_of_steps(self) -> bool:
        self._sync()
        return self.inner._out_of_steps() or self.steps >= self.step_cap

    def _summary(self) -> dict[str, Any]:
        self._sync()
        summary = self.inner._summary()
        builds = self.inner.BUILDS
        towers = tuple(tuple(t) for t in self.inner.world.towers()) if builds else None
        completed = bool(summary.get("completed"))
        outcome = BlocksworldOutcome(
            completed=completed,
            task_return=summary.get("return"),
            blocks=tuple(self.inner.blocks),
            measurements=int(sum(self.inner.measurements.values())),
            towers=towers,
            true_heights=dict(self.inner.true_heights),
            reports=tuple(self._reports),
        )
        rating = rate_blocksworld(self.user, outcome)
        summary.update(
            user=self.user.id,
            user_profile=self.user.profile_id,
            task_return=summary.get("return"),
            user_reward=rating.reward,
            user_penalty=rating.penalty,
            user_satisfaction=rating.satisfaction,
            user_feedback={
                key: {"satisfied": ok, "note": rating.notes[key]}
                for key, ok in rating.satisfied.items()
            },
            reports=list(self._reports),
            final_towers=[list(t) for t in towers] if towers is not None else None,
        )
        return summary

    # ------------------------------------------------------------------ extras
    def force_perturbation(self) -> None:
        """Perturb the next accepted world action (see the wrapped task)."""
        self.inner.force_perturbation()

    def state_description(self) -> str:
        """The wrapped task's current state sentence block."""
        return self.inner.state_description()

    def close(self) -> None:
        self.inner.close()
        super().close()

    # ------------------------------------------------------------------ helpers
    def _sync(self) -> None:
        # The wrapped task's step rules (caps, truncation) count its own steps, not reports.
        self.inner.steps = self.steps - self._report_steps
        self.inner.invalid_actions = self.invalid_actions

    def _user_section(self, seed: int) -> str:
        lines = [f"{T.USER_HEAD} {T.USER_INTRO}"]
        if self.show == "demonstrations" and self.n_demonstrations > 0:
            demos = demonstrations(self.user, self.n_demonstrations, seed)
            lines.append(T.DEMOS_HEAD.format(n=len(demos)))
            lines.append("\n".join(f"* {d.text}" for d in demos))
        else:
            lines.append(T.NO_DEMOS)
        lines.append(T.REPORT_TOOL_LINE if self.protocol == "tools" else T.REPORT_TAG_LINE)
        return "\n\n".join(lines)
