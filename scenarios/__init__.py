"""telic scenarios package."""

__telic_package__ = True

from telic._layout import verify_layout

verify_layout()

# Scenario files (YAML) and what runs them: the schema, the episode matrix, the runner (local
# asyncio or Ray) with its resumable results store, the reports and the `telic` CLI
# (scenarios.cli). Heavy dependencies (the agents' providers, matplotlib, ray) are imported
# only when a run or a report needs them.

from scenarios._api import run_scenario  # noqa: E402
from scenarios._execute import Executor, LocalExecutor  # noqa: E402
from scenarios._load import ScenarioError, load_scenario, parse_scenario  # noqa: E402
from scenarios._matrix import Chain, EpisodeSpec, Plan, episode_id, expand  # noqa: E402
from scenarios._preflight import Estimate, Prepared, estimate, preflight  # noqa: E402
from scenarios._report import SUMMARY_VERSION, ReportPaths, build_report  # noqa: E402
from scenarios._runner import RunStats, run_plan  # noqa: E402
from scenarios._schema import (  # noqa: E402
    Analysis,
    Budget,
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
from scenarios._store import (  # noqa: E402
    EpisodeWriter,
    OutputFolderError,
    read_episodes,
    read_manifest,
)

__all__ = [
    "SUMMARY_VERSION",
    "Analysis",
    "Budget",
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
