"""``telic/PersonalizedMessage-v0``: write a message on behalf of a simulated writing user."""

from __future__ import annotations

from typing import Any, ClassVar

from personalization.hyperalign._base import SingleTextEnv, check_prompt_choice
from personalization.users import _texts as T
from personalization.users._demos import demonstrations
from personalization.users._env import SHOW
from personalization.users._library import get_user
from personalization.users._profiles import UserError
from personalization.users._rating import rate_message


class PersonalizedMessage(SingleTextEnv):
    """Write a short message for a simulated writing user; rewarded by the user's rating.

    ## Description
    A writing user from the library (``user``) with a hidden profile (length, formality,
    sign-off: ``personalization.users.PREFERENCE_KEYS``) asks for a message (one of
    ``_texts.WRITING_REQUESTS``). The first observation says who the message is
    from and, with ``show="demonstrations"``, shows ``n_demonstrations`` messages the user
    wrote before (drawn from the profile for the reset seed); with ``show="none"`` it shows
    none (hypotheses then come through the agent's personalization block).

    ## Action Space
    One text: the whole reply or ``<message ...>`` (tags), ``submit_message(text)`` (tools).

    ## Observation Space
    Text (:func:`envs.text_space`).

    ## Rewards
    At the end the user's rating (``personalization.users.rate_message``): the share of the user's
    preferences the message meets, in [0, 1]. ``return`` is that share, ``optimal_return`` 1.
    The final info adds ``user``, ``user_profile``, ``user_reward`` (the same share),
    ``user_penalty``, ``user_satisfaction``, ``user_feedback``, ``request`` and ``n_words``.

    ## Episode End
    Terminates at the first valid submission; truncated after ``max_attempts`` invalid ones.

    ## Arguments
    ``user`` (a writing user id), ``show``, ``n_demonstrations`` (0-20, default 3),
    ``prompt_choice`` ("random" or "seed"), ``require_tag``, ``max_attempts``, ``protocol``,
    ``render_mode``.

    ## Version History
    * v0: initial version.
    """

    task_name: ClassVar[str] = "personalized_message"
    action_name: ClassVar[str] = "submit_message"
    tag_word: ClassVar[str] = "message"
    action_description: ClassVar[str] = "Submit the complete message. This ends the episode."

    def __init__(
        self,
        *,
        user: str = "formal_fiona",
        show: str = "demonstrations",
        n_demonstrations: int = 3,
        prompt_choice: str = "random",
        require_tag: bool = False,
        max_attempts: int = 3,
        protocol: str = "tags",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(
            require_tag=require_tag,
            max_attempts=max_attempts,
            protocol=protocol,
            render_mode=render_mode,
        )
        if show not in SHOW:
            raise UserError(f"show must be one of {list(SHOW)}, got {show!r}")
        ok = isinstance(n_demonstrations, int) and not isinstance(n_demonstrations, bool)
        if not ok or not 0 <= n_demonstrations <= 20:
            raise UserError(f"n_demonstrations must be between 0 and 20, got {n_demonstrations!r}")
        self.user = get_user(user, "writing")
        self.show = show
        self.n_demonstrations = n_demonstrations
        self.prompt_choice = check_prompt_choice(prompt_choice)
        self.request: T.WritingRequest | None = None
        self.result: dict[str, Any] | None = None

    def _begin(self) -> str:
        self.result = None
        self.request = T.WRITING_REQUESTS[self._pick(len(T.WRITING_REQUESTS), self.prompt_choice)]
        seed = self._reset_seed if self._reset_seed is not None else 0
        parts = [f"{T.USER_HEAD} {T.MESSAGE_INTRO}"]
        if self.show == "demonstrations" and self.n_demonstrations:
            demos = demonstrations(self.user, self.n_demonstrations, int(seed))
            parts.append(T.MESSAGES_HEAD.format(n=len(demos)))
            parts.extend(
                f"--- Message {i} (request: {d.prompt})\n{d.text}" for i, d in enumerate(demos, 1)
            )
            parts.append("--- End of messages")
        parts.append(f"{T.TASK_LINE}{self.request.prompt}")
        parts.append(T.SIGN_AS.format(name=self.user.display_name))
        parts.append(self._reply_instructions())
        return "\n\n".join(parts)

    def _score(self, text: str) -> dict[str, Any]:
        rating = rate_message(self.user, text)
        self.result = {
            "text": text,
            "n_words": len(text.split()),
            "user_reward": rating.reward,
            "user_penalty": rating.penalty,
            "user_satisfaction": rating.satisfaction,
            "user_feedback": {
                k: {"satisfied": ok, "note": rating.notes[k]} for k, ok in rating.satisfied.items()
            },
        }
        return {}

    def _summary(self) -> dict[str, Any]:
        base: dict[str, Any] = {
            "user": self.user.id,
            "user_profile": self.user.profile_id,
            "request": self.request.prompt if self.request else None,
            "optimal_return": 1.0,
        }
        if self.result is None:
            return {**base, "completed": False, "return": None, "regret": None, "user_reward": 0.0}
        share = float(self.result["user_reward"])
        return {
            **base,
            **self.result,
            "completed": True,
            "return": share,
            "task_return": share,
            "regret": round(1.0 - share, 6),
        }
