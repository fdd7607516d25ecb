"""Saving and loading hypothesis sets, and the ``telic hypotheses infer`` command's body.

The scenarios package wires :func:`infer_hypotheses_cli` as ``telic hypotheses infer USER_FILE
[--model SPEC]``. ``personalization`` does not import ``agents``: for a model spec other than
``offline`` the caller passes ``make_model`` (``agents.make_model``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from personalization._types import HypothesisSet, PersonalizationError, UserProfile

FORMAT_VERSION = 1


def save_hypotheses(sets: Iterable[HypothesisSet], path: str | Path) -> Path:
    """Write hypothesis sets as JSON (``{"format_version", "hypothesis_sets": [...]}``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format_version": FORMAT_VERSION,
        "hypothesis_sets": [s.model_dump(mode="json") for s in sets],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_hypotheses(path: str | Path) -> list[HypothesisSet]:
    """Read what :func:`save_hypotheses` wrote.

    Raises:
        FileNotFoundError: no such file.
        PersonalizationError: not a hypotheses file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"hypotheses file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PersonalizationError(f"{path.name} is not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("hypothesis_sets"), list):
        raise PersonalizationError(
            f'{path.name} is not a hypotheses file (expected a "hypothesis_sets" list)'
        )
    return [HypothesisSet.model_validate(item) for item in data["hypothesis_sets"]]


def format_hypothesis_set(hset: HypothesisSet) -> str:
    """A readable listing of a set, for the terminal."""
    prov = hset.provenance
    head = f"User {hset.user_id}: {len(hset)} hypotheses ({prov.method}"
    head += f", model {prov.model})" if prov.model else ")"
    lines = [head]
    for h in hset.hypotheses:
        lines.append(f"  {h.id}. [{h.category}] {h.statement}")
        for quote in h.evidence:
            lines.append(f'      evidence: "{quote}"')
    if prov.dropped_hallucinated_evidence or prov.dropped_without_evidence:
        lines.append(
            f"  dropped: {prov.dropped_hallucinated_evidence} hallucinated quote(s), "
            f"{prov.dropped_without_evidence} hypothesis(es) without evidence"
        )
    return "\n".join(lines)


def _load_users(user_file: str) -> dict[str, UserProfile]:
    from personalization._user_files import read_user_texts

    return read_user_texts(user_file)


def infer_hypotheses_for_file(
    user_file: str | Path,
    model_spec: str = "offline",
    *,
    user: str | None = None,
    n: int = 8,
    k: int | None = None,
    reference: str | Path | None = None,
    make_model: Callable[[str], Any] | None = None,
) -> list[HypothesisSet]:
    """Infer hypotheses for the users of a file (the API behind the command).

    Args:
        user_file: a folder of ``.txt`` files, a ``.txt``, a users JSONL or a CSV file
            (``personalization.read_user_texts``), or ``synthetic`` / ``synthetic:<id>``.
        model_spec: ``offline`` (the stylometric inferer, default; no API key) or a model spec
            such as ``openai:gpt-4o-mini`` (needs ``make_model``).
        user: only this user of the file.
        n: hypotheses per user.
        k: examples inferred from (the first ``k``; default all), for both inferers.
        reference: the corpus the offline inferer's z-scores compare the user against (same
            formats; default: the bundled synthetic authors).
        make_model: turns ``model_spec`` into a chat model (``agents.make_model``).

    Returns:
        The hypothesis sets, in file order.
    """
    from personalization._infer import infer_hypotheses
    from personalization._offline import infer_offline
    from personalization._types import did_you_mean

    if k is not None and k < 1:
        raise PersonalizationError(f"k must be at least 1, got {k}")
    users = _load_users(str(user_file))
    if user is not None:
        if user not in users:
            raise did_you_mean(user, list(users), "user")
        users = {user: users[user]}
    model = None
    if model_spec != "offline":
        if make_model is None:
            raise PersonalizationError(
                f"model {model_spec!r} needs a model factory: pass make_model=agents.make_model "
                "(or use the offline inferer, model 'offline')"
            )
        model = make_model(model_spec)
    sets: list[HypothesisSet] = []
    for profile in users.values():
        if model is None:
            ref = None
            if reference is not None:
                from personalization._user_files import read_reference

                ref = read_reference(reference, exclude=profile.id)
            indices = list(range(min(k, len(profile.examples)))) if k else None
            sets.append(infer_offline(profile, ref, n=n, example_indices=indices))
        else:
            sets.append(infer_hypotheses(model, profile, n=n, k=k, model_label=model_spec))
    return sets


def infer_hypotheses_cli(
    user_file: str | Path,
    model_spec: str | None = None,
    out: str | Path | None = None,
    *,
    model: str | None = None,
    user: str | None = None,
    n: int = 8,
    k: int | None = None,
    reference: str | Path | None = None,
    make_model: Callable[[str], Any] | None = None,
    echo: Callable[[str], None] | None = print,
) -> int:
    """``telic hypotheses infer USER_FILE [--model SPEC] [--out FILE]``: print and save.

    Infers with :func:`infer_hypotheses_for_file`, prints a readable listing per user and, when
    ``out`` is given, saves the sets as JSON (:func:`save_hypotheses`). ``model`` is accepted as
    an alias of ``model_spec``; both ``None`` means ``offline``. Errors are raised (typed) for
    the caller to report. Returns the exit code, 0.
    """
    spec = model or model_spec or "offline"
    sets = infer_hypotheses_for_file(
        user_file, spec, user=user, n=n, k=k, reference=reference, make_model=make_model
    )
    if echo is not None:
        for hset in sets:
            echo(format_hypothesis_set(hset))
    if out is not None:
        path = save_hypotheses(sets, out)
        if echo is not None:
            echo(f"Saved {len(sets)} hypothesis set(s) to {path}")
    return 0


def sets_by_user(sets: Sequence[HypothesisSet]) -> dict[str, HypothesisSet]:
    """``{user_id: set}`` (later sets win on duplicates)."""
    return {s.user_id: s for s in sets}
