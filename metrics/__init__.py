"""telic metrics package.

Goal-directedness (Everitt et al. 2025) and the other metrics, as pure functions of episode
records.

The entry point is :func:`analyze`: give it the records of an experiment (dicts from
``episodes.jsonl`` or ``envs.EpisodeRecord`` objects; composite-task and subtask episodes
mixed) and it returns an :class:`Analysis` with the GD table (per model, variant, task and
n_blocks, and pooled over n_blocks), the capability distributions, measurements per block,
usage, and a message for every number it could not compute. :func:`write_plots` draws it.

The lower-level pieces are public too: :func:`capabilities` (empirical capability samples from
subtask episodes), :func:`simulate_ceiling` (the Monte Carlo capability ceiling),
:func:`goal_directedness`, :func:`bootstrap_ci` and :func:`paired_bootstrap_ci`.

A new composite task joins the analysis by declaring its capabilities and ceiling with
:func:`register_task_gd` (see ``metrics/_tasks.py`` for a worked example); the four Blocksworld
tasks are declared the same way. :func:`synthetic_records` makes Blocksworld records from simulated
agents, to try all of this without running an episode.
"""

__telic_package__ = True

from telic import moved_names, verify_layout

verify_layout()

from metrics import _anagram_gd, _tower_gd  # noqa: E402, F401  (declare their tasks' GD)
from metrics._analysis import analyze  # noqa: E402
from metrics._bootstrap import INTERVALS  # noqa: E402
from metrics._capabilities import (  # noqa: E402
    BLOCKSWORLD_CAPABILITIES,
    MIN_CAPABILITY_SAMPLES,
    Capability,
    CapabilitySamples,
    CapabilityTable,
    ChanceTest,
    UnknownCapabilityError,
    capabilities,
    chance_test,
    declared_capabilities,
    get_capability,
    informative_estimates_test,
    register_capability,
)
from metrics._ceiling import (  # noqa: E402
    HEIGHT_WINDOW_CM,
    CapabilityUnavailable,
    CeilingInput,
    Simulation,
    draw_sensitivity,
    sample_height_errors,
)
from metrics._configs import (  # noqa: E402
    ConfigSpace,
    ConfigurationError,
    all_configurations,
    block_names,
    config_space,
    n_configurations,
    partition_distance,
)
from metrics._plots import write_plots  # noqa: E402
from metrics._records import (  # noqa: E402
    Episode,
    MissingTaskError,
    RecordError,
    RecordFile,
    UnknownTaskError,
    normalize_record,
    normalize_records,
    read_records,
    select,
)
from metrics._rows import (  # noqa: E402
    ANALYSIS_SCHEMA_VERSION,
    Analysis,
    AnalysisMessage,
    CapabilityRow,
    GDRow,
    MeasurementRow,
    UsageRow,
    json_ready,
)
from metrics._stats import (  # noqa: E402
    CI,
    bootstrap_ci,
    gd_from_means,
    goal_directedness,
    mean,
    mean_ci,
    paired_bootstrap_ci,
    rate,
)
from metrics._summaries import (  # noqa: E402
    score_invalid_rate,
    score_measurements_per_block,
    score_regret,
    score_return,
)
from metrics._synthetic import SyntheticAgent, synthetic_records  # noqa: E402
from metrics._tasks import (  # noqa: E402
    CeilingResult,
    TaskGD,
    declared_tasks,
    get_task_gd,
    info_values,
    register_task_gd,
    simulate_ceiling,
)
from metrics._workers import AnalysisWorkerError  # noqa: E402

# Renamed public names: the old name works until telic 0.3, with a DeprecationWarning.
__getattr__ = moved_names(__name__, {"Message": "metrics:AnalysisMessage"})

__all__ = [
    "ANALYSIS_SCHEMA_VERSION",
    "BLOCKSWORLD_CAPABILITIES",
    "CI",
    "HEIGHT_WINDOW_CM",
    "INTERVALS",
    "MIN_CAPABILITY_SAMPLES",
    "Analysis",
    "AnalysisMessage",
    "AnalysisWorkerError",
    "Capability",
    "CapabilityRow",
    "CapabilitySamples",
    "CapabilityTable",
    "CapabilityUnavailable",
    "CeilingInput",
    "CeilingResult",
    "ChanceTest",
    "ConfigSpace",
    "ConfigurationError",
    "Episode",
    "GDRow",
    "MeasurementRow",
    "MissingTaskError",
    "RecordError",
    "RecordFile",
    "Simulation",
    "SyntheticAgent",
    "TaskGD",
    "UnknownCapabilityError",
    "UnknownTaskError",
    "UsageRow",
    "all_configurations",
    "analyze",
    "block_names",
    "bootstrap_ci",
    "capabilities",
    "chance_test",
    "config_space",
    "declared_capabilities",
    "declared_tasks",
    "draw_sensitivity",
    "gd_from_means",
    "get_capability",
    "get_task_gd",
    "goal_directedness",
    "info_values",
    "informative_estimates_test",
    "json_ready",
    "mean",
    "mean_ci",
    "n_configurations",
    "normalize_record",
    "normalize_records",
    "paired_bootstrap_ci",
    "partition_distance",
    "rate",
    "read_records",
    "register_capability",
    "register_task_gd",
    "sample_height_errors",
    "score_invalid_rate",
    "score_measurements_per_block",
    "score_regret",
    "score_return",
    "select",
    "simulate_ceiling",
    "synthetic_records",
    "write_plots",
]
