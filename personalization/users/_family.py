"""The simulated users as a personalization family (``PersonalizationFamily``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from personalization._family import EpisodePersonalization, ModelFactory, Table


class UsersFamily:
    """Episodes done for a simulated user with a hidden profile: hypotheses from its
    demonstrations, scored against the profile."""

    name = "users"

    @property
    def env_ids(self) -> frozenset[str]:
        from personalization.users._episode import USER_ENV_IDS

        return USER_ENV_IDS

    def check(self, conditions: Sequence[str], settings: Any) -> None:
        from personalization.users._episode import check_user_settings

        check_user_settings(conditions, settings)

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
        from personalization.users._episode import episode_personalization

        return episode_personalization(
            condition,
            env_id,
            env_kwargs,
            seed=seed,
            settings=settings,
            model_factory=model_factory,
        )

    def summarize(
        self,
        records: list[dict[str, Any]],
        scenario: Mapping[str, Any],
        *,
        gd_rows: list[dict[str, Any]],
        model_factory: ModelFactory | None,
    ) -> dict[str, Any] | None:
        from personalization.users._report import condition_summary

        analysis = dict(scenario.get("analysis") or {})
        return condition_summary(
            records,
            n_resamples=int(analysis.get("n_resamples", 1000)),
            seed=int(analysis.get("seed", 0)),
            gd_rows=gd_rows,
        )

    def tables(self, section: Mapping[str, Any]) -> list[Table]:
        tables: list[Table] = []
        if section.get("conditions"):
            baseline = section["baseline"]
            title = f"Personalization conditions (user reward, paired difference vs {baseline!r})"
            tables.append((title, section["conditions"]))
        if section.get("by_user"):
            tables.append(("Mean user reward per user and condition", section["by_user"]))
        return tables


USERS = UsersFamily()
