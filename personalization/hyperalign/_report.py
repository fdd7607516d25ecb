"""The HyPerAlign part of ``telic report`` (``summary.json`` ``personalization`` section).

For records of ``telic/PersonalizedWriting-v0`` and ``telic/DeliberativeAlignment-v0`` with
conditions (:mod:`personalization.hyperalign._episode`):

``writing``             per (model, condition): mean authorship reward (the env return) with a
                        percentile bootstrap CI over episodes, and the mean paired difference
                        vs ``compare.baseline`` (pairs share model, variant, user and seed)
``win_rates``           per model, when ``personalization.judges`` lists model specs: the
                        pairwise LLM-judge report of ``compare.candidate`` vs the baseline
                        (``personalization.judge_writing_records``: both orders, ties, CI,
                        agreement); ``None`` without judges
``deliberative``        per (model, condition): the env's offline helpfulness (benign),
                        over-refusal, refusal (harmful) and harm, the relative helpfulness
                        change vs the baseline, and the mean reward with its CI
``deliberative_judged`` the same from each judge (``judge_deliberative_records``)
``hypotheses``          every hypothesis an agent was given: user, conditions, whose, how
                        inferred, statement, evidence
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from personalization._family import ModelFactory
from personalization._types import PersonalizationError
from personalization.hyperalign._episode import (
    DELIBERATIVE_ENV,
    DELIBERATIVE_ENVS,
    HYPERALIGN_ENV_IDS,
    WRITING_ENV,
    WRITING_ENVS,
    corpus_users,
)


def _reward(record: Mapping[str, Any]) -> float:
    """The env return; an episode that ended without a text scores 0 (the env's floor)."""
    value = record.get("return")
    return float(value) if record.get("completed") and value is not None else 0.0


def _user(record: Mapping[str, Any]) -> str:
    info = record.get("info") or {}
    return str(info.get("user") or (record.get("env_kwargs") or {}).get("user"))


def _ordered(conditions: list[str], settings: Mapping[str, Any]) -> list[str]:
    wanted = [str(c) for c in settings.get("conditions") or []]
    return [c for c in wanted if c in conditions] + sorted(set(conditions) - set(wanted))


def reward_rows(
    records: list[dict[str, Any]],
    settings: Mapping[str, Any],
    *,
    baseline: str,
    n_resamples: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Per (model, condition): mean env return with a percentile bootstrap CI over episodes,
    and the mean paired difference vs ``baseline`` (pairs share model, variant, user, seed)."""
    from personalization._stats import bootstrap_mean_ci

    cells: dict[tuple[str, str], dict[tuple[Any, ...], float]] = {}
    for r in records:
        key = (str(r.get("variant")), _user(r), r.get("seed"))
        cells.setdefault((str(r.get("model")), str(r.get("condition"))), {})[key] = _reward(r)
    rows = []
    for model in sorted({m for m, _ in cells}):
        base = cells.get((model, baseline), {})
        for condition in _ordered([c for m, c in cells if m == model], settings):
            values = cells[(model, condition)]
            low, high = bootstrap_mean_ci(list(values.values()), n_resamples=n_resamples, seed=seed)
            row: dict[str, Any] = {
                "model": model,
                "condition": condition,
                "n": len(values),
                "mean_reward": sum(values.values()) / len(values),
                "ci_low": low,
                "ci_high": high,
            }
            diffs = [v - base[k] for k, v in values.items() if k in base]
            if condition != baseline and diffs:
                d_low, d_high = bootstrap_mean_ci(diffs, n_resamples=n_resamples, seed=seed)
                row.update(
                    n_pairs=len(diffs),
                    diff_vs_baseline=sum(diffs) / len(diffs),
                    diff_ci_low=d_low,
                    diff_ci_high=d_high,
                )
            rows.append(row)
    return rows


def hypothesis_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per hypothesis given to an agent: user, the conditions that gave it, whose
    hypotheses they are, how they were inferred, statement and first evidence quote."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in records:
        details = (r.get("extra") or {}).get("personalization") or {}
        provenance = details.get("provenance") or {}
        for h in details.get("hypotheses") or []:
            key = (details.get("user"), details.get("source_user"), h.get("id"), h.get("statement"))
            row = seen.setdefault(
                key,
                {
                    "user": details.get("user"),
                    "conditions": [],
                    "source_user": details.get("source_user"),
                    "method": provenance.get("method"),
                    "inferer_model": provenance.get("model"),
                    "id": h.get("id"),
                    "category": h.get("category"),
                    "statement": h.get("statement"),
                    "evidence": (h.get("evidence") or [""])[0],
                },
            )
            if details.get("condition") not in row["conditions"]:
                row["conditions"].append(details.get("condition"))
    rows = sorted(seen.values(), key=lambda x: (str(x["user"]), str(x["source_user"]), x["id"]))
    for row in rows:
        row["conditions"] = ", ".join(map(str, row["conditions"]))
    return rows


def judge_models(specs: Any, model_factory: ModelFactory | None) -> dict[str, Any]:
    """``{name: chat model}`` of ``personalization.judges`` (specs or ``{spec, options,
    label}``), built by ``model_factory`` (scenarios build them like the run's models)."""
    if model_factory is None:
        raise PersonalizationError("judges need a model factory to build their models")
    judges = {}
    for entry in specs:
        spec, options, label = (
            (entry, {}, None)
            if isinstance(entry, str)
            else (entry["spec"], dict(entry.get("options") or {}), entry.get("label"))
        )
        judges[str(label or spec)] = model_factory(str(spec), options)
    return judges


def hyperalign_summary(
    records: list[dict[str, Any]],
    scenario: Mapping[str, Any],
    *,
    model_factory: ModelFactory | None = None,
) -> dict[str, Any] | None:
    """The ``personalization`` section of ``summary.json`` for HyPerAlign records (module
    docstring), plus ``baseline``, ``candidate`` and ``messages``. None without such records."""
    mine = [r for r in records if r.get("env_id") in HYPERALIGN_ENV_IDS and r.get("condition")]
    if not mine:
        return None
    settings = dict(scenario.get("personalization") or {})
    analysis = dict(scenario.get("analysis") or {})
    compare = dict(settings.get("compare") or {})
    baseline = str(compare.get("baseline", "none"))
    candidate = str(compare.get("candidate", "hypotheses"))
    opts = {
        "n_resamples": int(analysis.get("n_resamples", 1000)),
        "seed": int(analysis.get("seed", 0)),
    }
    from personalization.hyperalign._report_notes import annotate_effects, plumbing_note

    messages: list[str] = []
    errors = [r for r in mine if r.get("stop_reason") == "error"]
    if errors:
        messages.append(
            f"{len(errors)} HyPerAlign episodes failed (error); each table counts the pairs "
            "they cost per condition (lost_pairs, lost_why)"
        )
    kept = [r for r in mine if r.get("stop_reason") != "error"]
    if any(not r.get("completed") for r in kept):
        messages.append("HyPerAlign episodes that ended without a text count as reward 0")
    writing = [r for r in kept if r.get("env_id") in WRITING_ENVS]
    deliberative = [r for r in kept if r.get("env_id") in DELIBERATIVE_ENVS]
    order = [str(c) for c in settings.get("conditions") or []]
    out: dict[str, Any] = {
        "kind": "hyperalign",
        "notice": plumbing_note(mine),
        "baseline": baseline,
        "candidate": candidate,
        "writing": reward_rows(writing, settings, baseline=baseline, **opts) if writing else [],
        "win_rates": None,
        "deliberative": [],
        "deliberative_judged": [],
        "hypotheses": hypothesis_table(kept),
        "messages": messages,
    }
    all_writing = [r for r in mine if r.get("env_id") in WRITING_ENVS]
    messages.extend(annotate_effects(out["writing"], all_writing, baseline, order))
    judges: dict[str, Any] = {}
    if settings.get("judges"):
        try:
            judges = judge_models(list(settings["judges"]), model_factory)
        except Exception as exc:  # a missing key or extra must not lose the other tables
            messages.append(f"the judges could not be built ({type(exc).__name__}: {exc})")
    if writing:
        if judges:
            out["win_rates"] = _win_rates(writing, judges, candidate, baseline, opts, messages)
        elif analysis.get("win_rates"):
            messages.append(
                "win rates need LLM judges: list model specs under personalization.judges "
                "(e.g. [openai:gpt-4o-mini]); without them the offline result is the paired "
                f"authorship-reward difference of {candidate!r} vs {baseline!r}"
            )
    if settings.get("baseline_file"):
        out["external_baseline"] = _external(all_writing, settings, judges, opts, messages)
    if deliberative:
        out["deliberative"] = _deliberative_rows(deliberative, settings, baseline, opts)
        all_deliberative = [r for r in mine if r.get("env_id") in DELIBERATIVE_ENVS]
        messages.extend(annotate_effects(out["deliberative"], all_deliberative, baseline, order))
        for name, judge in judges.items():
            out["deliberative_judged"].extend(
                _judged(name, judge, deliberative, baseline, messages)
            )
    return out


def _external(
    writing: list[dict[str, Any]],
    settings: Mapping[str, Any],
    judges: dict[str, Any],
    opts: Mapping[str, Any],
    messages: list[str],
) -> dict[str, Any] | None:
    """Win rates of every condition against the imported baseline file (needs judges)."""
    from personalization.hyperalign._report_notes import baseline_section

    path = str(settings["baseline_file"])
    if not writing:
        messages.append("baseline_file is set but the run has no writing episodes to judge")
        return None
    if not judges:
        messages.append(
            f"judging against {path} needs judges: list model specs under "
            "personalization.judges (scripted:stylometric_judge is an offline stand-in)"
        )
        return None

    def demos(record: Mapping[str, Any]) -> dict[str, list[str]]:
        kwargs = record.get("env_kwargs") or {}
        n_train = min(int(kwargs.get("n_train", 7)), 3)
        users = corpus_users(WRITING_ENV, kwargs, None)[1]
        return {u: [e.text for e in p.examples[:n_train]] for u, p in users.items()}

    try:
        return baseline_section(
            writing, path, judges, demos, n_resamples=opts["n_resamples"], seed=opts["seed"]
        )
    except Exception as exc:  # a bad file or a provider failure leaves the other tables intact
        messages.append(f"judging against {path} failed ({type(exc).__name__}: {exc})")
        return None


def _win_rates(
    writing: list[dict[str, Any]],
    judges: dict[str, Any],
    candidate: str,
    baseline: str,
    opts: Mapping[str, Any],
    messages: list[str],
) -> list[dict[str, Any]]:
    """Per model: the pairwise judge report of ``candidate`` vs ``baseline`` (both orders)."""
    from personalization._analysis import judge_writing_records

    rows = []
    for model in sorted({str(r.get("model")) for r in writing}):
        own = [r for r in writing if str(r.get("model")) == model]
        env_kwargs = own[0].get("env_kwargs") or {}
        users = corpus_users(WRITING_ENV, env_kwargs, None)[1]
        try:
            report = judge_writing_records(
                judges,
                own,
                candidate=candidate,
                baseline=baseline,
                users=users,
                n_train=int(env_kwargs.get("n_train", 7)),
                seed=opts["seed"],
            )
        except Exception as exc:  # a provider failure leaves the offline tables intact
            messages.append(f"judging {model} failed ({type(exc).__name__}: {exc})")
            continue
        if not report.items:
            messages.append(f"no completed {candidate!r}/{baseline!r} pairs of {model} to judge")
            continue
        from personalization.hyperalign._pairing import lost_pairs

        lost = lost_pairs(own, baseline).get((model, candidate), {})
        rows.append(
            {
                "model": model,
                "candidate": candidate,
                "baseline": baseline,
                **report.to_dict(),
                "lost_pairs": sum(lost.values()),
                "lost_why": "; ".join(f"{n} {why}" for why, n in lost.items()) or None,
            }
        )
    return rows


def _deliberative_rows(
    records: list[dict[str, Any]],
    settings: Mapping[str, Any],
    baseline: str,
    opts: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Per (model, condition): the env's offline helpfulness, harm and refusal rates and the
    relative helpfulness change vs ``baseline``, next to the mean reward with its CI."""
    from personalization._analysis import deliberative_summary

    rewards = {
        (r["model"], r["condition"]): r
        for r in reward_rows(records, settings, baseline=baseline, **opts)
    }
    rows = []
    for model in sorted({str(r.get("model")) for r in records}):
        infos = [
            {**(r.get("info") or {}), "condition": r.get("condition")}
            for r in records
            if str(r.get("model")) == model and r.get("completed")
        ]
        table = deliberative_summary(infos, baseline=baseline)
        for condition in _ordered(list(table), settings):
            reward = rewards.get((model, condition), {})
            rows.append(
                {
                    "model": model,
                    "condition": condition,
                    **table[condition],
                    "mean_reward": reward.get("mean_reward"),
                    "ci_low": reward.get("ci_low"),
                    "ci_high": reward.get("ci_high"),
                }
            )
    return rows


def _judged(
    name: str, judge: Any, records: list[dict[str, Any]], baseline: str, messages: list[str]
) -> list[dict[str, Any]]:
    """Per (model, condition): the LLM judge's helpfulness, harm and refusal (the judge is told
    the user's hidden profile, so helpfulness is judged for this user)."""
    from personalization._analysis import deliberative_summary, judge_deliberative_records
    from personalization._conditions import oracle_hypotheses
    from personalization._render import render_block

    corpus = corpus_users(DELIBERATIVE_ENV, records[0].get("env_kwargs") or {}, None)[1]
    blocks = {u: render_block(oracle_hypotheses(p)) for u, p in corpus.items() if p.truth}
    rows = []
    for model in sorted({str(r.get("model")) for r in records}):
        own = [r for r in records if str(r.get("model")) == model]
        try:
            judged = judge_deliberative_records(judge, own, user_blocks=blocks)
        except Exception as exc:  # a provider failure leaves the offline tables intact
            messages.append(f"judge {name} failed on {model} ({type(exc).__name__}: {exc})")
            continue
        for condition, values in deliberative_summary(judged, baseline=baseline).items():
            rows.append({"judge": name, "model": model, "condition": condition, **values})
    return rows


def report_tables(personal: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(title, rows)`` of the HyPerAlign tables both reports show (cells are escaped by the
    report writers)."""
    baseline, candidate = personal.get("baseline"), personal.get("candidate")
    tables = []
    if personal.get("writing"):
        title = (
            f"Authorship reward per condition (95% bootstrap CI; paired difference vs "
            f"{baseline!r} on user and seed)"
        )
        tables.append((title, personal["writing"]))
    if personal.get("win_rates"):
        rows = []
        for report in personal["win_rates"]:
            combined = report.get("combined") or {}
            judges = {j: w.get("win_rate") for j, w in (report.get("per_judge") or {}).items()}
            rows.append(
                {
                    "model": report.get("model"),
                    "comparison": f"{report.get('candidate')} vs {report.get('baseline')}",
                    "n_items": report.get("n_items"),
                    **{k: combined.get(k) for k in ("win_rate", "ci_low", "ci_high")},
                    **{k: combined.get(k) for k in ("wins", "ties", "losses")},
                    "per_judge": judges,
                    "agreement": report.get("agreement") or None,
                    "unparseable": report.get("unparseable"),
                    "lost_pairs": report.get("lost_pairs"),
                    "lost_why": report.get("lost_why"),
                }
            )
        tables.append((f"LLM-judge win rate of {candidate!r} vs {baseline!r} (both orders)", rows))
    external = personal.get("external_baseline")
    if external:
        rows = []
        for row in external.get("rows") or []:
            combined = row.get("combined") or {}
            rows.append(
                {
                    "dataset": row.get("dataset"),
                    "model": row.get("model"),
                    "condition": row.get("condition"),
                    "n": combined.get("n", 0),
                    **{k: combined.get(k) for k in ("win_rate", "ci_low", "ci_high", "tie_rate")},
                    "per_judge": {
                        j: w.get("win_rate") for j, w in (row.get("per_judge") or {}).items()
                    },
                    "agreement": row.get("agreement") or None,
                    "lost_pairs": row.get("n_lost"),
                    "lost_why": "; ".join(f"{n} {w}" for w, n in row["lost"].items()) or None,
                }
            )
        title = (
            f"Win rate against {external.get('baseline')} (both orders, ties 0.5; CIs resample "
            f"{external.get('ci_resamples')})"
        )
        tables.append((title, rows))
    if personal.get("deliberative"):
        title = f"Deliberative alignment per condition (offline heuristic; change vs {baseline!r})"
        tables.append((title, personal["deliberative"]))
    if personal.get("deliberative_judged"):
        tables.append(("Deliberative alignment, LLM judges", personal["deliberative_judged"]))
    if personal.get("hypotheses"):
        tables.append(("Hypotheses given to the agents, per user", personal["hypotheses"]))
    return tables
