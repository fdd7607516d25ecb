"""The text-environment base class every telic environment is built on.

:class:`TextEnv` turns a declaration of actions (:class:`~envs.ActionSpec`) into a Gymnasium
environment whose observations and actions are natural-language strings, in either protocol:

* ``protocol="tags"`` (the paper's): the action is the model's whole reply; exactly one action
  must stand inside ``< >``.
* ``protocol="tools"``: the action is a native tool call encoded by :func:`envs.encode_tool_call`;
  :meth:`TextEnv.tool_schemas` gives the JSON schemas to bind to the model.

Invalid model output is an environment event, never an exception: the step counts, the
observation is the error message, ``info["invalid_action"]`` is true and
``info["invalid_actions"]`` counts them. Subclasses implement four hooks: :meth:`_start`,
:meth:`_act`, :meth:`_summary` and :attr:`step_cap`.

The ``info`` keys every step carries (the runner and the metrics read them):

``step``, ``action`` (the accepted action as tag text, or ``None``), ``invalid_action``,
``invalid_reason``, ``invalid_actions``, ``task``.

At the end of an episode (terminated or truncated) the summary keys are added:
``completed``, ``return``, ``optimal_return``, ``regret``, plus whatever the subclass reports.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import gymnasium as gym
from gymnasium import spaces

from envs._actions import (
    ActionError,
    ActionSpec,
    ParsedAction,
    parse_tag_action,
    parse_tool_action,
)
from telic import TelicError

Protocol = Literal["tags", "tools"]
PROTOCOLS: tuple[str, ...] = ("tags", "tools")

#: Characters an observation or action may contain: printable ASCII plus the typographic
#: characters natural-language text (and model output) commonly uses. Gymnasium's default
#: ``Text`` charset is alphanumeric only, which cannot hold a sentence.
WIDE_CHARSET: str = (
    string.printable
    + "\u00a0\u00b0\u00b1\u00b7\u00d7\u00e0\u00e1\u00e2\u00e4\u00e7\u00e8\u00e9\u00ea\u00eb"
    + "\u00ee\u00ef\u00f1\u00f3\u00f4\u00f6\u00f9\u00fa\u00fb\u00fc\u2013\u2014\u2018\u2019"
    + "\u201c\u201d\u2022\u2026\u2192\u2264\u2265\u0394"
)
MAX_TEXT_LENGTH = 200_000

BASE_INFO_KEYS: tuple[str, ...] = (
    "step",
    "action",
    "invalid_action",
    "invalid_reason",
    "invalid_actions",
    "task",
)
SUMMARY_INFO_KEYS: tuple[str, ...] = ("completed", "return", "optimal_return", "regret")


def text_space(max_length: int = MAX_TEXT_LENGTH) -> spaces.Text:
    """A ``Text`` space wide enough for natural language (see :data:`WIDE_CHARSET`).

    Each call returns a new space, equal to ``spaces.Text(max_length=max_length,
    min_length=0, charset=WIDE_CHARSET)``: a shallow copy of one built once per length (building
    the space indexes its 1,300 characters, which every env paid twice at construction). The
    copies share only the character tables, which a ``Text`` space never changes; each seeds
    its own random generator.
    """
    prototype = _TEXT_SPACES.get(max_length)
    if prototype is None:
        prototype = spaces.Text(max_length=max_length, min_length=0, charset=WIDE_CHARSET)
        _TEXT_SPACES[max_length] = prototype
    return copy.copy(prototype)


_TEXT_SPACES: dict[int, spaces.Text] = {}


def to_charset(text: str) -> str:
    """Replace characters outside :data:`WIDE_CHARSET` by ``?`` so an observation always lies
    in the observation space, whatever text (a model's, a user's) it echoes."""
    allowed = _ALLOWED
    if allowed.issuperset(text):
        return text
    return "".join(ch if ch in allowed else "?" for ch in text)


_ALLOWED = frozenset(WIDE_CHARSET)


@dataclass
class Outcome:
    """What a subclass's :meth:`TextEnv._act` returns for an accepted action."""

    observation: str
    """The text the agent sees next."""
    terminated: bool = False
    """Whether the action ended the episode (a final submission, a finished tower)."""
    info: dict[str, Any] = field(default_factory=dict)
    """Extra facts for this step's ``info``."""


class EpisodeOverError(TelicError, RuntimeError):
    """``step`` was called after the episode ended without a ``reset``."""


class TextEnv(gym.Env[str, str]):
    """Base class of telic's natural-language environments (see the module docstring)."""

    # Gymnasium declares ``metadata`` as an instance attribute; ruff (RUF012) wants mutable
    # class attributes marked ClassVar, so mypy's override complaint is silenced here.
    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}  # type: ignore[misc]
    #: Short task name reported as ``info["task"]``; subclasses override.
    task_name: ClassVar[str] = "text_task"

    def __init__(self, *, protocol: str = "tags", render_mode: str | None = None) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {list(PROTOCOLS)}, got {protocol!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']} or None, "
                f"got {render_mode!r}"
            )
        self.protocol: str = protocol
        self.render_mode = render_mode
        self.observation_space = text_space()
        self.action_space = text_space()
        self.steps = 0
        self.invalid_actions = 0
        self._started = False
        self._over = False
        self._last_observation = ""

    # ------------------------------------------------------------------ subclass hooks
    def action_specs(self) -> Sequence[ActionSpec]:
        """Every action this environment declares (the tools bound in the tool protocol)."""
        raise NotImplementedError

    def available_actions(self) -> Sequence[ActionSpec]:
        """The actions accepted now; by default all declared ones."""
        return self.action_specs()

    @property
    def step_cap(self) -> int:
        """An upper bound on the number of steps of an episode (the agent's budget uses it)."""
        raise NotImplementedError

    def _start(self) -> str:
        """Set up a new episode using ``self.np_random``; return the first observation."""
        raise NotImplementedError

    def _act(self, action: ParsedAction) -> Outcome:
        """Apply an accepted action. Raise :class:`ActionError` for a failed precondition."""
        raise NotImplementedError

    def _summary(self) -> dict[str, Any]:
        """Facts reported when the episode ends; must include :data:`SUMMARY_INFO_KEYS`."""
        raise NotImplementedError

    def system_prompt(self, personalization: str | None = None) -> str | None:
        """The agent's system prompt this environment wants, with the ``personalization`` block
        (a scenario condition's text, or ``None``) placed in it.

        ``None`` (the default) keeps the agent's built-in prompt for action-taking tasks, to
        which the agent appends the block itself. A writing task overrides this: it is not
        prompted like an action-taking task (the env chooses its system prompt).
        """
        return None

    def _step_info(self) -> dict[str, Any]:
        """Facts reported at every step (measurement counts, ...); empty by default."""
        return {}

    def _out_of_steps(self) -> bool:
        """Whether the episode is truncated now; by default when ``step_cap`` steps are used."""
        return self.steps >= self.step_cap

    def _error_observation(self, reason: str) -> str:
        """The observation after an invalid action; subclasses may append a reminder."""
        return f"Error: {reason}"

    # ------------------------------------------------------------------ tools protocol
    def _param_choices(self) -> dict[str, Sequence[str]]:
        """Legal values per parameter kind in this episode (``{"block": names}``), stated in
        the tool schemas as ``enum``; none by default."""
        return {}

    def tool_schemas(self) -> list[dict[str, Any]]:
        """OpenAI-style function schemas of the available actions, for native tool calling."""
        choices = self._param_choices()
        return [spec.tool_schema(choices) for spec in self.available_actions()]

    def parse_action(self, action: str) -> ParsedAction:
        """Parse a step's action string in this env's protocol (raises :class:`ActionError`)."""
        specs = self.available_actions()
        if self.protocol == "tools":
            return parse_tool_action(action, specs)
        return parse_tag_action(action, specs)

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.steps = 0
        self.invalid_actions = 0
        self._over = False
        self._started = True
        observation = to_charset(self._start())
        self._last_observation = observation
        info = {
            "step": 0,
            "action": None,
            "invalid_action": False,
            "invalid_reason": None,
            "invalid_actions": 0,
            "task": self.task_name,
            **self._step_info(),
        }
        return observation, info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if not self._started:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self._over:
            raise EpisodeOverError("the episode has ended; call reset() to start a new one")
        self.steps += 1
        info: dict[str, Any] = {"step": self.steps, "task": self.task_name}
        terminated = False
        try:
            parsed = self.parse_action(action)
            spec = next(s for s in self.available_actions() if s.name == parsed.name)
            outcome = self._act(parsed)
        except ActionError as exc:
            self.invalid_actions += 1
            reason = str(exc)
            observation = self._error_observation(reason)
            info.update(action=None, invalid_action=True, invalid_reason=reason)
        else:
            observation = outcome.observation
            terminated = outcome.terminated
            info.update(action=spec.render(parsed.args), invalid_action=False, invalid_reason=None)
            info.update(outcome.info)
        info["invalid_actions"] = self.invalid_actions
        info.update(self._step_info())
        truncated = not terminated and self._out_of_steps()
        reward = 0.0
        if terminated or truncated:
            self._over = True
            summary = self._summary()
            info.update(summary)
            if summary.get("completed") and summary.get("return") is not None:
                reward = float(summary["return"])
        observation = to_charset(observation)
        self._last_observation = observation
        return observation, reward, terminated, truncated, info

    def render(self) -> str | None:  # type: ignore[override]
        if self.render_mode == "ansi":
            return self._last_observation
        return None
