"""telic scenarios package."""

__telic_package__ = True

from telic import lazy_exports, moved_names, verify_layout

verify_layout()

# Scenario files (YAML) and what runs them: the schema, the episode matrix, the runner (local
# asyncio or Ray) with its resumable results store, the reports and the `telic` CLI
# (scenarios.cli). Heavy dependencies (the agents' providers, matplotlib, ray) are imported
# only when a run or a report needs them.

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from scenarios._api import run_scenario
    from scenarios._execute import Executor, LocalExecutor
    from scenarios._load import ScenarioError, load_scenario, parse_scenario
    from scenarios._matrix import Chain, EpisodeSpec, Plan, episode_id, expand
    from scenarios._preflight import Estimate, Prepared, estimate, preflight
    from scenarios._report import SUMMARY_VERSION, ReportPaths, build_report
    from scenarios._runner import RunStats, run_plan
    from scenarios._schema import (
        AnalysisSettings,
        BudgetSettings,
        Cache,
        Concurrency,
        EnvEntry,
        EventEntry,
        ModelEntry,
        Personalization,
        Scenario,
        SeedRange,
        SequenceEntry,
    )
    from scenarios._store import (
        EpisodeWriter,
        OutputFolderError,
        read_episodes,
        read_manifest,
    )

# The public names resolve on first use, so `telic --help` and `import scenarios.cli` do not
# import the environments, gymnasium and numpy (a third of a second) before they are needed.
_EXPORTS: dict[str, str] = {
    "run_scenario": "scenarios._api",
    "Executor": "scenarios._execute",
    "LocalExecutor": "scenarios._execute",
    "ScenarioError": "scenarios._load",
    "load_scenario": "scenarios._load",
    "parse_scenario": "scenarios._load",
    "Chain": "scenarios._matrix",
    "EpisodeSpec": "scenarios._matrix",
    "Plan": "scenarios._matrix",
    "episode_id": "scenarios._matrix",
    "expand": "scenarios._matrix",
    "Estimate": "scenarios._preflight",
    "Prepared": "scenarios._preflight",
    "estimate": "scenarios._preflight",
    "preflight": "scenarios._preflight",
    "SUMMARY_VERSION": "scenarios._report",
    "ReportPaths": "scenarios._report",
    "build_report": "scenarios._report",
    "RunStats": "scenarios._runner",
    "run_plan": "scenarios._runner",
    "AnalysisSettings": "scenarios._schema",
    "BudgetSettings": "scenarios._schema",
    "Cache": "scenarios._schema",
    "Concurrency": "scenarios._schema",
    "EnvEntry": "scenarios._schema",
    "EventEntry": "scenarios._schema",
    "ModelEntry": "scenarios._schema",
    "Personalization": "scenarios._schema",
    "Scenario": "scenarios._schema",
    "SeedRange": "scenarios._schema",
    "SequenceEntry": "scenarios._schema",
    "EpisodeWriter": "scenarios._store",
    "OutputFolderError": "scenarios._store",
    "read_episodes": "scenarios._store",
    "read_manifest": "scenarios._store",
}


# Renamed public names: the old name works until telic 0.3, with a DeprecationWarning.
_deprecated = moved_names(
    __name__,
    {"Analysis": "scenarios:AnalysisSettings", "Budget": "scenarios:BudgetSettings"},
    stacklevel=3,
)


__getattr__ = lazy_exports(globals(), _EXPORTS, _deprecated)


__all__ = [
    "SUMMARY_VERSION",
    "AnalysisSettings",
    "BudgetSettings",
    "Cache",
    "Chain",
    "Concurrency",
    "EnvEntry",
    "EpisodeSpec",
    "EpisodeWriter",
    "Estimate",
    "EventEntry",
    "Executor",
    "LocalExecutor",
    "ModelEntry",
    "OutputFolderError",
    "Personalization",
    "Plan",
    "Prepared",
    "ReportPaths",
    "RunStats",
    "Scenario",
    "ScenarioError",
    "SeedRange",
    "SequenceEntry",
    "build_report",
    "episode_id",
    "estimate",
    "expand",
    "load_scenario",
    "parse_scenario",
    "preflight",
    "read_episodes",
    "read_manifest",
    "run_plan",
    "run_scenario",
]
