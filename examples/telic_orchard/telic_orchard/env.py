"""The orchard tasks: find the sweetest tree from noisy tastings.

Two environments built on telic's text-environment toolkit:

* ``orchard/Harvest-v0`` (composite): taste trees as often as you like, then harvest one. The
  return is the true sweetness of the harvested tree.
* ``orchard/TasteTree-v0`` (subtask): estimate the sweetness of one tree. It measures the
  *estimation* capability that the composite task needs.

Sweetness is drawn from Uniform(0, 10) and depends only on (seed, n_trees); a tasting reads the
true sweetness plus Normal(0, noise) noise.
"""

from __future__ import annotations

from typing import Any

from envs import ActionError, ActionSpec, Outcome, Param, ParsedAction, TextEnv

TASTE = ActionSpec(
    "taste",
    "taste {tree}",
    "Taste a fruit of a tree; you get a noisy reading of its sweetness.",
    (Param("tree", "block", "the tree's letter"),),
)
HARVEST = ActionSpec(
    "harvest",
    "harvest {tree}",
    "Harvest the tree; this ends the task.",
    (Param("tree", "block", "the tree's letter"),),
)
ANSWER = ActionSpec(
    "sweetness",
    "sweetness {value}",
    "Submit your estimate of the tree's sweetness; this ends the task.",
    (Param("value", "number", "the estimate, between 0 and 10"),),
)


class _Orchard(TextEnv):
    """What both orchard tasks share: the trees, their sweetness and the tastings."""

    def __init__(
        self,
        *,
        n_trees: int = 4,
        noise: float = 2.0,
        max_steps: int = 60,
        protocol: str = "tags",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        if not isinstance(n_trees, int) or not 2 <= n_trees <= 26:
            raise ValueError(f"n_trees must be an integer between 2 and 26, got {n_trees!r}")
        if not noise >= 0:
            raise ValueError(f"noise must be a number >= 0, got {noise!r}")
        if not isinstance(max_steps, int) or max_steps < 2:
            raise ValueError(f"max_steps must be an integer >= 2, got {max_steps!r}")
        self.n_trees = n_trees
        self.noise = float(noise)
        self.max_steps = max_steps
        self.trees = [chr(ord("a") + i) for i in range(n_trees)]
        self.sweetness: dict[str, float] = {}
        self.tastings: dict[str, int] = {}

    @property
    def step_cap(self) -> int:
        return self.max_steps

    def _tree(self, name: str) -> str:
        if name not in self.sweetness:
            raise ActionError(f"there is no tree {name!r}; the trees are {', '.join(self.trees)}")
        return name

    def _start(self) -> str:
        # Sweetness is the first draw, so it depends only on (seed, n_trees).
        values = 10.0 * self.np_random.random(self.n_trees)
        self.sweetness = {t: float(v) for t, v in zip(self.trees, values, strict=True)}
        self.tastings = dict.fromkeys(self.trees, 0)
        actions = "\n".join(f"- <{s.template}>: {s.description}" for s in self.action_specs())
        return (
            f"{self.goal}\nThe orchard has {self.n_trees} trees: {', '.join(self.trees)}. "
            "Tastings are noisy; tasting again gives a better idea of the true sweetness, "
            f"and there is no limit on tastings.\nActions:\n{actions}"
        )

    def _taste(self, name: str) -> str:
        tree = self._tree(name)
        self.tastings[tree] += 1
        reading = self.sweetness[tree] + self.noise * self.np_random.standard_normal()
        return f"A tasting of tree {tree} reads sweetness {reading:.2f}."

    def _step_info(self) -> dict[str, Any]:
        return {"measurements": dict(self.tastings)}

    goal = ""


class Harvest(_Orchard):
    """Harvest the sweetest tree of an orchard.

    ## Description
    An orchard has ``n_trees`` trees with hidden sweetness in [0, 10]. The agent may taste any
    tree (a noisy reading) as often as it likes, then harvests one tree, which ends the task.

    ## Action Space
    Text. Tags protocol: ``<taste X>`` or ``<harvest X>``. Tools protocol: the ``taste`` and
    ``harvest`` tools.

    ## Observation Space
    Text: the goal and actions first, then the result of each action.

    ## Rewards
    0 during the episode; the true sweetness of the harvested tree at the end.

    ## Episode End
    Terminates on a harvest; truncated after ``max_steps`` steps (not completed).

    ## Arguments
    ``n_trees`` (2..26, default 4), ``noise`` (sd of a tasting, default 2.0), ``max_steps``
    (default 60), ``protocol`` (``"tags"`` or ``"tools"``).

    ## Version History
    * v0: initial version.
    """

    task_name = "orchard_harvest"
    goal = "Goal: harvest the sweetest tree of the orchard."

    def action_specs(self) -> tuple[ActionSpec, ...]:
        return (TASTE, HARVEST)

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "taste":
            return Outcome(self._taste(action.args["tree"]))
        self.harvested = self._tree(action.args["tree"])
        return Outcome(f"You harvested tree {self.harvested}.", terminated=True)

    def _start(self) -> str:
        self.harvested: str | None = None
        return super()._start()

    def _summary(self) -> dict[str, Any]:
        best = max(self.sweetness.values())
        value = self.sweetness[self.harvested] if self.harvested else None
        return {
            "completed": self.harvested is not None,
            "return": value,
            "optimal_return": best,
            "regret": None if value is None else best - value,
            "random_return": sum(self.sweetness.values()) / self.n_trees,
            "true_values": dict(self.sweetness),
            "harvested": self.harvested,
        }


class TasteTree(_Orchard):
    """Estimate the sweetness of one tree (the estimation capability of ``Harvest``).

    ## Description
    Same orchard as ``orchard/Harvest-v0`` for the same seed. The agent tastes tree ``a`` as
    often as it likes and submits an estimate of its true sweetness.

    ## Action Space
    Text. Tags protocol: ``<taste X>`` or ``<sweetness V>``. Tools protocol: the ``taste`` and
    ``sweetness`` tools.

    ## Observation Space
    Text: the goal and actions first, then the result of each action.

    ## Rewards
    0 during the episode; minus the absolute error of the estimate at the end.

    ## Episode End
    Terminates on an estimate; truncated after ``max_steps`` steps (not completed).

    ## Arguments
    As ``orchard/Harvest-v0``.

    ## Version History
    * v0: initial version.
    """

    task_name = "orchard_taste"
    goal = "Goal: find the true sweetness of tree a."

    def action_specs(self) -> tuple[ActionSpec, ...]:
        return (TASTE, ANSWER)

    def _start(self) -> str:
        self.estimate: float | None = None
        return super()._start()

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "taste":
            return Outcome(self._taste(action.args["tree"]))
        self.estimate = float(action.args["value"])
        return Outcome(f"You estimated {self.estimate:.2f}.", terminated=True)

    def _summary(self) -> dict[str, Any]:
        true = self.sweetness["a"]
        error = None if self.estimate is None else self.estimate - true
        return {
            "completed": self.estimate is not None,
            "return": None if error is None else -abs(error),
            "optimal_return": 0.0,
            "regret": None if error is None else abs(error),
            "estimate": self.estimate,
            "estimation_error": error,
            "true_values": dict(self.sweetness),
        }
