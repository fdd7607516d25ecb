"""The personalization interface: what an env family implements so scenarios can run it.

A scenario compares personalization *conditions* on the same episodes. What a condition means
for an episode (which user, which hypotheses, which block in the system prompt) and how the
results are summarised depend on the family of the environment: the HyPerAlign tasks
(:mod:`personalization.hyperalign`) and the simulated users (:mod:`personalization.users`)
each implement :class:`PersonalizationFamily` and register it with :func:`register_family`.
``scenarios`` calls only the dispatchers below (:func:`check_conditions`,
:func:`personalize_episode`, :func:`personalization_summary`, :func:`personalization_tables`,
:func:`dataset_splits`, :func:`episode_split`) and knows no env IDs.

A family may also define ``dataset_split(env_id, env_kwargs) -> dict | None``: the
published-protocol split the episode's dataset was made with (a JSON-ready dict with at least
``name``, ``seed``, ``digest`` and ``corpus``; the HyPerAlign family returns the split record
``write_split`` saved beside a users file). It is optional, so families written before it
still satisfy :class:`PersonalizationFamily`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

#: Builds a chat model from a model spec and its options (scenarios pass ``agents.make_model``
#: with the run's cache and concurrency settings).
ModelFactory = Callable[[str, Mapping[str, Any]], Any]

Table = tuple[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class EpisodePersonalization:
    """What one episode's agent is told about its user, and the record of it."""

    block: str | None
    """The personalization block for the system prompt (``None``: nothing)."""
    hypotheses: Any
    """The :class:`~personalization.HypothesisSet` behind the block (``None``: none)."""
    details: dict[str, Any] = field(default_factory=dict)
    """JSON-ready facts for the episode record (``extra["personalization"]``)."""


@runtime_checkable
class PersonalizationFamily(Protocol):
    """One family of environments with users, as scenarios see it."""

    @property
    def name(self) -> str:
        """Short name (``hyperalign``, ``users``)."""
        ...

    @property
    def env_ids(self) -> frozenset[str]:
        """The Gymnasium IDs whose episodes this family personalizes."""
        ...

    def check(self, conditions: Sequence[str], settings: Any) -> None:
        """Validate the conditions and settings before a run (raises
        :class:`~personalization.PersonalizationError`)."""
        ...

    def personalize_episode(
        self,
        condition: str,
        env_id: str,
        env_kwargs: Mapping[str, Any],
        *,
        seed: int,
        settings: Any,
        model_factory: ModelFactory | None,
    ) -> EpisodePersonalization:
        """The block and record of one episode under ``condition``."""
        ...

    def summarize(
        self,
        records: list[dict[str, Any]],
        scenario: Mapping[str, Any],
        *,
        gd_rows: list[dict[str, Any]],
        model_factory: ModelFactory | None,
    ) -> dict[str, Any] | None:
        """This family's part of ``summary.json``'s ``personalization`` section."""
        ...

    def tables(self, section: Mapping[str, Any]) -> list[Table]:
        """``(title, rows)`` of the report tables of the section :meth:`summarize` made."""
        ...


_FAMILIES: list[PersonalizationFamily] = []
_DEFAULT: list[PersonalizationFamily] = []


def register_family(family: PersonalizationFamily, *, default: bool = False) -> None:
    """Add ``family`` (idempotent by name). The ``default`` family also summarises records with
    a condition whose environment no family claims (a plugin env that reports a user reward)."""
    if any(f.name == family.name for f in _FAMILIES):
        return
    _FAMILIES.append(family)
    if default:
        _DEFAULT[:] = [family]


def families() -> tuple[PersonalizationFamily, ...]:
    """The registered families (the built-in ones first)."""
    _builtin()
    return tuple(_FAMILIES)


def family_of(env_id: str) -> PersonalizationFamily | None:
    """The family that personalizes ``env_id``'s episodes, if any."""
    for family in families():
        if env_id in family.env_ids:
            return family
    return None


def _builtin() -> None:
    if not _FAMILIES:
        from personalization.hyperalign._family import HYPERALIGN
        from personalization.users._family import USERS

        # users first: both sections name their ``baseline`` and HyPerAlign's wins the merge
        register_family(USERS, default=True)
        register_family(HYPERALIGN)


def check_conditions(env_ids: Iterable[str], conditions: Sequence[str], settings: Any) -> None:
    """Validate ``conditions`` and ``settings`` for every family whose envs a scenario uses.

    Raises:
        PersonalizationError: the first problem found (did-you-mean for unknown conditions).
    """
    used = set(env_ids)
    for family in families():
        if used & family.env_ids:
            family.check(conditions, settings)


def personalize_episode(
    condition: str | None,
    env_id: str,
    env_kwargs: Mapping[str, Any],
    *,
    seed: int,
    settings: Any = None,
    model_factory: ModelFactory | None = None,
) -> EpisodePersonalization:
    """The personalization of one scenario episode: its family's block and record; no block
    for episodes without a condition or of an environment no family personalizes."""
    family = family_of(env_id) if condition is not None else None
    if family is None or condition is None:
        return EpisodePersonalization(None, None, {"condition": condition} if condition else {})
    return family.personalize_episode(
        condition,
        env_id,
        env_kwargs,
        seed=seed,
        settings=settings,
        model_factory=model_factory,
    )


def personalization_summary(
    records: list[dict[str, Any]],
    scenario: Mapping[str, Any],
    *,
    gd_rows: list[dict[str, Any]] | None = None,
    model_factory: ModelFactory | None = None,
) -> dict[str, Any] | None:
    """The ``personalization`` section of ``summary.json``: each family's section merged (their
    keys differ; ``messages`` are concatenated). None when no record carries a condition."""
    if not any(r.get("condition") for r in records):
        return None
    by_family: dict[str, list[dict[str, Any]]] = {f.name: [] for f in families()}
    for record in records:
        family = family_of(str(record.get("env_id")))
        if family is None and _DEFAULT:
            family = _DEFAULT[0]
        if family is not None:
            by_family[family.name].append(record)
    merged: dict[str, Any] | None = None
    messages: list[str] = []
    for family in families():
        mine = by_family[family.name]
        if not any(r.get("condition") for r in mine):
            continue
        section = family.summarize(
            mine, scenario, gd_rows=list(gd_rows or []), model_factory=model_factory
        )
        if section is None:
            continue
        messages.extend(section.pop("messages", []))
        merged = {**(merged or {}), **section}
    if merged is None:
        return None
    merged["messages"] = messages
    return merged


def personalization_tables(section: Mapping[str, Any] | None) -> list[Table]:
    """The report tables of a ``personalization`` section, family by family."""
    if not section:
        return []
    tables: list[Table] = []
    for family in families():
        tables.extend(family.tables(section))
    return tables


def dataset_splits(envs: Iterable[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The dataset splits a run's environments use, one per split file (see the module
    docstring), each with ``env_ids``: the environments that read it. Empty when no family
    reports a split.

    Raises:
        PersonalizationError: a split record is unreadable or does not match its dataset.
    """
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for env_id, env_kwargs in envs:
        split = _split_of(env_id, env_kwargs)
        if split is None:
            continue
        key = (str(split.get("corpus")), str(split.get("digest")))
        entry = found.setdefault(key, {**split, "env_ids": []})
        if env_id not in entry["env_ids"]:
            entry["env_ids"].append(env_id)
    return [found[k] for k in sorted(found)]


def episode_split(env_id: str, env_kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """What one episode's record says about its dataset's split: ``{name, seed, digest}``
    (the full split is in the run's manifest), or None."""
    split = _split_of(env_id, env_kwargs)
    if split is None:
        return None
    return {k: split.get(k) for k in ("name", "seed", "digest")}


def _split_of(env_id: str, env_kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    family = family_of(env_id)
    reader = getattr(family, "dataset_split", None)
    if reader is None:
        return None
    split = reader(env_id, env_kwargs)
    return dict(split) if split else None
