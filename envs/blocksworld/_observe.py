"""Reading Blocksworld observations back into facts, for the scripted policies.

The policies see only what a model sees: the observation texts. :func:`parse_episode` finds
the latest first observation of a task in a conversation (so stepped-context conversations
work), and collects what the agent has learned since: the task, the blocks, given heights or
estimates, every measurement reading, the latest state, the accepted list of the generate
subtask, and so on. Every phrase it relies on comes from :mod:`envs.blocksworld._render`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from envs._actions import ActionError, parse_configuration
from envs.blocksworld import _render as R
from envs.blocksworld._configs import Configuration, canonical_configuration

_TASK_LINE = re.compile(rf"^{re.escape(R.TASK_PREFIX)}(.*)$", re.M)
_READING = re.compile(r"A noisy reading of the height of ([a-z]) is (-?\d+(?:\.\d+)?)cm\.")
_PAIR = re.compile(r"\b([a-z]): (-?\d+(?:\.\d+)?)cm")
_ON_TOP = re.compile(r"\b([a-z]) is on top of ([a-z])\b")
_LISTED = re.compile(r"^\d+\. (.+): lower tower (-?\d+(?:\.\d+)?)cm$", re.M)
_ACCEPTED = re.compile(r"^\d+\. (\[.*\])$", re.M)
_TOOL_LINE = re.compile(r"^- ([a-z_]+)\(", re.M)
_TAG_LINE = re.compile(r"^- (<[^\n]*?>): ", re.M)
_BY_DISPLAY = {shown: name for name, shown in R.DISPLAY.items()}
# The world's feedback sentences (envs.blocksworld._world), read when no state paragraph
# follows them (dynamics="paper" shows the state only on <help>).
_RESULT = re.compile(
    r"You pick up ([a-z]+)\.|You put ([a-z]+) down on the table\.|"
    r"You stack ([a-z]+) on ([a-z]+)\.|You unstack ([a-z]+) from ([a-z]+)\."
)


def listed_actions(first: str) -> tuple[str, ...]:
    """Names of the actions a first observation describes, in either protocol."""
    tools = _TOOL_LINE.findall(first)
    if tools:
        return tuple(tools)
    return tuple(_BY_DISPLAY[s] for s in _TAG_LINE.findall(first) if s in _BY_DISPLAY)


@dataclass(frozen=True)
class WorldState:
    """Towers (bottom to top, ordered by bottom block) and the held block."""

    towers: tuple[tuple[str, ...], ...]
    """Every tower, single blocks on the table included."""
    held: str | None = None
    """The block in the hand, if any."""


@dataclass(frozen=True)
class EpisodeView:
    """What the observations of the current episode say (see :func:`parse_episode`)."""

    task: str
    """Task name, e.g. ``combined`` (the keys of :data:`envs.blocksworld._render.GOALS`)."""
    blocks: tuple[str, ...]
    """Block names."""
    protocol: str
    """``tags`` or ``tools``, as the first observation describes the actions."""
    first: str
    """The first observation of the episode."""
    steps: int
    """Observations after the first one (steps taken so far)."""
    state: WorldState
    """The latest state description."""
    heights: dict[str, float] | None = None
    """Heights given in the task (CE, PE, Evaluate, Pick)."""
    estimates: dict[str, float] | None = None
    """Estimates given in the task (BuildTwoBlockTower)."""
    readings: dict[str, list[float]] = field(default_factory=dict)
    """Every measurement reading so far, per block, in order."""
    target_block: str | None = None
    """The block to estimate (MeasureHeight)."""
    configuration: Configuration | None = None
    """The given configuration (EvaluateConfiguration)."""
    intended: Configuration | None = None
    """The configuration to build (ExecutePlan)."""
    listed: tuple[tuple[Configuration, float], ...] = ()
    """Every configuration with its listed score (PickConfiguration)."""
    accepted: tuple[Configuration, ...] = ()
    """Configurations accepted so far (GenerateConfigurations)."""
    last: str = ""
    """The newest observation."""
    actions: tuple[str, ...] = ()
    """Names of the actions the first observation lists."""
    exact: bool = False
    """Whether the task says measurements are exact (noise 0)."""

    def estimate(self, block: str) -> float | None:
        """Mean of the readings of ``block`` (``None`` if never measured)."""
        values = self.readings.get(block)
        return sum(values) / len(values) if values else None


def is_first_observation(text: str) -> bool:
    """Whether ``text`` opens a task (and is not a ``<help>`` repetition)."""
    return task_of(text) is not None


@lru_cache(maxsize=1024)
def task_of(text: str) -> str | None:
    """The task of a first observation: the goal on its ``TASK:`` line (text a runtime may
    put before it is ignored); ``None`` for other texts, ``<help>`` answers included."""
    if R.HELP_PREFIX in text:
        return None
    match = _TASK_LINE.search(text)
    if not match:
        return None
    goal = match.group(1).strip()
    for task, sentence in R.GOALS.items():
        if goal.startswith(sentence):
            return task
    return None


@lru_cache(maxsize=1024)
def parse_state(text: str) -> WorldState | None:
    """The state described in the last state paragraph of ``text``, if there is one.

    Remembered per text: a scripted policy reads the whole episode at every move, so without it
    each observation would be parsed once per later step."""
    at = text.rfind(R.STATE_PREFIX)
    if at < 0:
        return None
    body = text[at + len(R.STATE_PREFIX) :].split("\n", 1)[0]
    held_match = re.search(r"You are holding ([a-z]+)\.", body)
    held = held_match.group(1) if held_match and held_match.group(1) != "nothing" else None
    table_match = re.search(r"On the table: ([^.]*)\.", body)
    bottoms = []
    if table_match and table_match.group(1) != "nothing":
        bottoms = [b.strip() for b in table_match.group(1).split(",") if b.strip()]
    on = {top: under for top, under in _ON_TOP.findall(body)}
    above = {under: top for top, under in on.items()}
    towers = []
    for bottom in sorted(bottoms):
        tower = [bottom]
        while tower[-1] in above and len(tower) <= 26:
            tower.append(above[tower[-1]])
        towers.append(tuple(tower))
    return WorldState(tuple(towers), held)


def advance_state(state: WorldState, text: str) -> WorldState:
    """``state`` after the building actions whose feedback sentences ``text`` contains."""
    towers = [list(t) for t in state.towers]
    held = state.held
    for pick, put, stacked, onto, unstacked, _ in _RESULT.findall(text):
        if pick:
            towers = [t for t in towers if t != [pick]]
            held = pick
        elif put:
            towers.append([put])
            held = None
        elif stacked:
            for tower in towers:
                if tower[-1] == onto:
                    tower.append(stacked)
            held = None
        elif unstacked:
            for tower in towers:
                if len(tower) > 1 and tower[-1] == unstacked:
                    tower.pop()
            held = unstacked
    ordered = sorted((tuple(t) for t in towers if t), key=lambda t: t[0])
    return WorldState(tuple(ordered), held)


def parse_heights(text: str, prefix: str) -> dict[str, float] | None:
    """``{block: cm}`` from the line starting with ``prefix``, if present."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return {b: float(v) for b, v in _PAIR.findall(line)}
    return None


def _config_after(text: str, prefix: str) -> Configuration | None:
    for line in text.splitlines():
        if line.startswith(prefix):
            try:
                return canonical_configuration(parse_configuration(line[len(prefix) :]))
            except (ActionError, ValueError):
                return None
    return None


def episode_start(observations: Sequence[str]) -> int | None:
    """Index of the latest first observation, or ``None``."""
    for index in range(len(observations) - 1, -1, -1):
        if is_first_observation(observations[index]):
            return index
    return None


def parse_episode(observations: Sequence[str]) -> EpisodeView | None:
    """Everything the current episode's observations say, or ``None`` if no task is found."""
    start = episode_start(observations)
    if start is None:
        return None
    episode = list(observations[start:])
    first = episode[0]
    task = task_of(first)
    if task is None:
        return None
    first_state = parse_state(first) or WorldState(())
    blocks = tuple(sorted(b for tower in first_state.towers for b in tower))
    state = first_state
    readings: dict[str, list[float]] = {}
    accepted: tuple[Configuration, ...] = ()
    for text in episode:
        for block, value in _READING.findall(text):
            readings.setdefault(block, []).append(float(value))
        if R.ACCEPTED_PREFIX in text:
            found = []
            for raw in _ACCEPTED.findall(text[text.rfind(R.ACCEPTED_PREFIX) :]):
                try:
                    found.append(canonical_configuration(parse_configuration(raw)))
                except (ActionError, ValueError):
                    continue
            accepted = tuple(found)
        newer = parse_state(text)
        if newer is not None:
            state = newer
        elif text is not first:
            state = advance_state(state, text)
    listed = []
    for raw, score in _LISTED.findall(first):
        try:
            listed.append((canonical_configuration(parse_configuration(raw)), float(score)))
        except (ActionError, ValueError):
            continue
    target = re.search(re.escape(R.TARGET_PREFIX) + r"([a-z])'", first)
    return EpisodeView(
        task=task,
        blocks=blocks,
        protocol="tools" if "Available tools" in first else "tags",
        first=first,
        steps=len(episode) - 1,
        state=state,
        heights=parse_heights(first, R.HEIGHTS_PREFIX),
        estimates=parse_heights(first, R.ESTIMATES_PREFIX),
        readings=readings,
        target_block=target.group(1) if target else None,
        configuration=_config_after(first, R.GIVEN_CONFIG_PREFIX),
        intended=_config_after(first, R.INTENDED_PREFIX),
        listed=tuple(listed),
        accepted=accepted,
        last=episode[-1],
        actions=listed_actions(first),
        exact=R.EXACT_HINT in first,
    )
