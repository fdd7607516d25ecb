"""The HyPerAlign tasks as a personalization family (``personalization.PersonalizationFamily``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from personalization._family import EpisodePersonalization, ModelFactory, Table


class HyperAlignFamily:
    """Writing and deliberative episodes: hypotheses inferred from a corpus user's texts."""

    name = "hyperalign"

    @property
    def env_ids(self) -> frozenset[str]:
        from personalization.hyperalign._episode import HYPERALIGN_ENV_IDS

        return HYPERALIGN_ENV_IDS

    def check(self, conditions: Sequence[str], settings: Any) -> None:
        from personalization._conditions import canonical_condition
        from personalization._settings import as_settings

        for condition in conditions:
            canonical_condition(condition)
        as_settings(settings)

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
        from personalization.hyperalign._episode import hyperalign_personalization

        return hyperalign_personalization(
            condition, env_id, env_kwargs, settings=settings, model_factory=model_factory
        )

    def dataset_split(self, env_id: str, env_kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
        """The published-protocol split of the episode's users file (the writing env's
        ``corpus``, the deliberative env's ``users_file``), when ``write_split`` saved one
        beside it (``<name>.split.json``); None otherwise."""
        from personalization.hyperalign._episode import WRITING_ENVS
        from personalization.hyperalign._protocols import corpus_split

        path = env_kwargs.get("corpus" if env_id in WRITING_ENVS else "users_file")
        return corpus_split(str(path)) if path else None

    def summarize(
        self,
        records: list[dict[str, Any]],
        scenario: Mapping[str, Any],
        *,
        gd_rows: list[dict[str, Any]],
        model_factory: ModelFactory | None,
    ) -> dict[str, Any] | None:
        from personalization.hyperalign._report import hyperalign_summary

        return hyperalign_summary(records, scenario, model_factory=model_factory)

    def tables(self, section: Mapping[str, Any]) -> list[Table]:
        from personalization.hyperalign._report import report_tables

        return report_tables(section) if section.get("kind") == "hyperalign" else []


HYPERALIGN = HyperAlignFamily()
