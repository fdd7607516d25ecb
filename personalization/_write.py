"""``telic hypotheses write``: write a text as a user, under one condition, with one model.

The command's body: read the user's texts (:func:`~personalization.read_user_texts`), take
their hypotheses from a file or infer them (offline by default), build the condition's block,
prompt the model with the shared HyPerAlign generation prompt
(:func:`~personalization.hyperalign_system_prompt`) and print the text with any wrapper the
model put around it removed (and say what was removed). ``personalization`` does not import
``agents``: the caller passes ``make_model`` (``agents.make_model``) for model specs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personalization._types import HypothesisSet, PersonalizationError, UserProfile


@dataclass(frozen=True)
class WrittenText:
    """What :func:`write_as_user` produced."""

    user: str
    """Whose voice."""
    condition: str
    """The condition (canonical name)."""
    text: str
    """The text, wrapper removed."""
    removed: tuple[str, ...]
    """Wrapper kinds removed from the model's reply."""
    system_prompt: str
    """The system prompt the model was given."""


def _pick_user(users: dict[str, UserProfile], user: str | None) -> UserProfile:
    from personalization._types import did_you_mean

    if user is not None:
        if user not in users:
            raise did_you_mean(user, list(users), "user")
        return users[user]
    if len(users) != 1:
        raise PersonalizationError(
            f"the file holds {len(users)} users; choose one with --user "
            f"({', '.join(sorted(users))})"
        )
    return next(iter(users.values()))


def _own_hypotheses(
    profile: UserProfile,
    hypotheses: str | Path | None,
    inferer: Any,
    reference: str | Path | None,
    n: int,
) -> HypothesisSet:
    if hypotheses is not None:
        from personalization._cli import load_hypotheses, sets_by_user

        sets = sets_by_user(load_hypotheses(hypotheses))
        if profile.id not in sets:
            raise PersonalizationError(
                f"{Path(hypotheses).name} has no hypotheses for user {profile.id!r} "
                f"(it has: {', '.join(sorted(sets)) or 'none'})"
            )
        return sets[profile.id]
    if inferer is None:
        from personalization._offline import infer_offline

        ref = None
        if reference is not None:
            from personalization._user_files import read_reference

            ref = read_reference(reference, exclude=profile.id)
        return infer_offline(profile, ref, n=n)
    from personalization._infer import infer_hypotheses

    return infer_hypotheses(inferer, profile, n=n)


def write_as_user(
    model: Any,
    users: dict[str, UserProfile],
    prompt: str,
    *,
    user: str | None = None,
    condition: str = "hypotheses",
    task: str = "writing",
    hypotheses: str | Path | None = None,
    inferer: Any = None,
    reference: str | Path | None = None,
    genre: str | None = None,
    n: int = 8,
) -> WrittenText:
    """Write ``prompt`` as a user of ``users`` under ``condition`` with ``model``.

    Args:
        model: the generator (any chat model).
        users: the user's corpus (``read_user_texts``); the swap placebo takes the next user.
        prompt: the task.
        user: which user (needed when ``users`` has several).
        condition: ``none``, ``hypotheses``, ``swap``, ``generic``, ``few_shot``,
            ``hypotheses_few_shot`` or ``oracle`` (aliases accepted).
        task: ``writing`` or ``deliberative`` (the generation prompt's framing).
        hypotheses: a saved hypotheses file to use instead of inferring.
        inferer: a chat model to infer hypotheses with (default: the offline inferer).
        reference: the offline inferer's reference corpus.
        genre: the task's genre, when known.
        n: hypotheses inferred per user.
    """
    from personalization._conditions import canonical_condition, condition_block, swap_partner
    from personalization._generation import (
        generation_request,
        hyperalign_system_prompt,
        strip_wrapper,
    )
    from personalization._llm import call, messages
    from personalization._render import user_attributes

    kind = canonical_condition(condition)
    profile = _pick_user(users, user)
    mine = placebo = None
    if kind in ("hypotheses", "hypotheses_few_shot", "generic"):
        mine = _own_hypotheses(profile, hypotheses, inferer, reference, n)
    if kind == "swap":
        partner = users[swap_partner(profile.id, list(users))]
        placebo = _own_hypotheses(partner, hypotheses, inferer, reference, n)
    block = condition_block(
        kind, profile, mine, placebo=placebo, attributes=user_attributes(profile, genre=genre)
    )
    system = hyperalign_system_prompt(task, block)
    reply = call(model, messages(system, generation_request(prompt, genre=genre, user=profile.id)))
    cleaned = strip_wrapper(reply)
    return WrittenText(profile.id, kind, cleaned.text, cleaned.removed, system)


def write_as_user_cli(
    source: str | Path,
    prompt: str,
    *,
    model: str,
    user: str | None = None,
    condition: str = "hypotheses",
    task: str = "writing",
    hypotheses: str | Path | None = None,
    inferer: str | None = None,
    reference: str | Path | None = None,
    genre: str | None = None,
    n: int = 8,
    make_model: Callable[[str], Any] | None = None,
    echo: Callable[[str], None] | None = print,
) -> int:
    """``telic hypotheses write SOURCE --prompt TEXT --model SPEC [--condition C]``.

    Prints the text, then one line saying what wrapper was removed (if any). Errors are raised
    (typed) for the caller to report. Returns 0.
    """
    from personalization._user_files import read_user_texts

    if not prompt.strip():
        raise PersonalizationError("--prompt is empty; give the task to write for")
    if make_model is None:
        raise PersonalizationError("writing needs a model factory (agents.make_model)")
    users = read_user_texts(source)
    generator = make_model(model)
    infer_model = make_model(inferer) if inferer and inferer != "offline" else None
    written = write_as_user(
        generator,
        users,
        prompt,
        user=user,
        condition=condition,
        task=task,
        hypotheses=hypotheses,
        inferer=infer_model,
        reference=reference,
        genre=genre,
        n=n,
    )
    if echo is not None:
        echo(written.text)
        if written.removed:
            echo(f"[removed from the model's reply: {', '.join(written.removed)}]")
    return 0
