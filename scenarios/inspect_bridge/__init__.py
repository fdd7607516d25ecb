"""telic inside UK AISI's Inspect AI (the optional extra ``telic[inspect]``).

Three paths, documented in ``docs/inspect.md``:

* **export**: :func:`export_records` writes a telic run as Inspect eval logs through
  inspect_ai's own log API (``telic export inspect RUN``), for ``inspect view``;
* **tasks**: every registered env is an Inspect task (``inspect eval telic/Combined``),
  registered through Inspect's ``inspect_ai`` entry point; :func:`env_task` builds one,
  :func:`play_env` is its solver (telic's agent graph calling the model under evaluation
  through Inspect's model API) and :func:`episode_scorer` its scorer (return, regret,
  completed); the Inspect model provider ``telic`` serves any telic model spec
  (``--model telic/scripted:oracle``);
* **analysis**: :func:`records_from_logs` and :func:`report_from_logs` read the episodes back
  from such logs and build telic's report (``telic report LOG... --out DIR``).

Importing this package does not import inspect_ai; the names below do, on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telic import lazy_exports

if TYPE_CHECKING:
    from scenarios.inspect_bridge._chat import InspectChatModel
    from scenarios.inspect_bridge._export import ExportedLog, build_logs, export_records
    from scenarios.inspect_bridge._provider import TelicModelAPI
    from scenarios.inspect_bridge._read import (
        LogRecords,
        import_logs,
        records_from_logs,
        report_from_logs,
    )
    from scenarios.inspect_bridge._samples import record_to_sample, sample_record
    from scenarios.inspect_bridge._tasks import (
        TaskParameterError,
        env_task,
        episode_scorer,
        parse_seeds,
        play_env,
    )

_EXPORTS: dict[str, str] = {
    "InspectChatModel": "scenarios.inspect_bridge._chat",
    "ExportedLog": "scenarios.inspect_bridge._export",
    "build_logs": "scenarios.inspect_bridge._export",
    "export_records": "scenarios.inspect_bridge._export",
    "TelicModelAPI": "scenarios.inspect_bridge._provider",
    "LogRecords": "scenarios.inspect_bridge._read",
    "import_logs": "scenarios.inspect_bridge._read",
    "records_from_logs": "scenarios.inspect_bridge._read",
    "report_from_logs": "scenarios.inspect_bridge._read",
    "record_to_sample": "scenarios.inspect_bridge._samples",
    "sample_record": "scenarios.inspect_bridge._samples",
    "TaskParameterError": "scenarios.inspect_bridge._tasks",
    "env_task": "scenarios.inspect_bridge._tasks",
    "episode_scorer": "scenarios.inspect_bridge._tasks",
    "parse_seeds": "scenarios.inspect_bridge._tasks",
    "play_env": "scenarios.inspect_bridge._tasks",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "ExportedLog",
    "InspectChatModel",
    "LogRecords",
    "TaskParameterError",
    "TelicModelAPI",
    "build_logs",
    "env_task",
    "episode_scorer",
    "export_records",
    "import_logs",
    "parse_seeds",
    "play_env",
    "record_to_sample",
    "records_from_logs",
    "report_from_logs",
    "sample_record",
]
