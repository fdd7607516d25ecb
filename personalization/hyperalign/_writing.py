"""``telic/PersonalizedWriting-v0``: write a new text in a given user's voice."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from envs import ActionError, require_int
from personalization.hyperalign._authorship import AuthorshipScorer
from personalization.hyperalign._base import SingleTextEnv, check_prompt_choice
from personalization.hyperalign._corpus import CorpusText, CorpusUser, corpus_user, load_users


@functools.lru_cache(maxsize=16)
def _scorer(corpus: str | None, n_train: int, n_min: int, n_max: int) -> AuthorshipScorer:
    users = load_users(corpus)
    return AuthorshipScorer(
        {uid: [t.text for t in u.texts[:n_train]] for uid, u in users.items()},
        n_min=n_min,
        n_max=n_max,
    )


class PersonalizedWriting(SingleTextEnv):
    """Write a text as a specific user; rewarded by offline authorship verification.

    ## Description
    HyPerAlign's authorship task (spec 3.1) as an environment. A user of a corpus (the bundled
    synthetic corpus by default) and one of their held-out writing prompts are chosen; the
    agent writes the text the user would have written. The user's first ``n_train`` texts are
    their demonstrations (what hypotheses are inferred from and what the reward compares
    against); the prompts of the remaining texts are the tasks. Personalization (the hypotheses
    block) reaches the agent through its system prompt, not through this env.

    ## Action Space
    One text. Tags protocol: the whole reply (or ``<text ...>``); tools protocol:
    ``submit_text(text)``. An empty text is invalid.

    ## Observation Space
    ``str``: the user id, the task prompt, its genre, optionally ``show_examples`` of the
    user's demonstrations, and how to reply.

    ## Rewards
    At the end of a completed episode the reward is the authorship ``rank_score`` of the text
    for the target user against every other user of the corpus: the fraction of the other users
    whose character 3–5-gram profile is less similar to the text than the target user's (ties
    count half). 1.0 = closer to the user than to anyone else; about 0.5 for unrelated text.
    ``optimal_return`` is 1.0 and ``regret = 1 - return``. An LLM judge (pairwise win rates) is
    not part of the env: a judge is a model object, which cannot be an env kwarg (kwargs must be
    JSON-serialisable), so judging runs as a scenario analysis step over the episode records
    (``personalization.judge_writing_records``).

    ## Episode End
    Terminates at the first valid submission; truncated after ``max_attempts`` invalid replies.
    Final info: ``user``, ``prompt_id``, ``prompt``, ``genre``, ``text``, ``n_words``,
    ``authorship_similarity``, ``best_other``, ``best_other_similarity``, ``margin``,
    ``attributed_to``, ``attributed``, ``rank_score`` plus the summary keys.

    ## Arguments
    ``user`` (id, or ``None`` to draw one per reset), ``prompt_index`` (index among the user's
    held-out prompts, or ``None`` to choose by ``prompt_choice``), ``n_train`` (demonstrations
    per user, default 7 as in DITTO), ``corpus`` (path of a users JSONL file, ``None`` =
    bundled), ``show_examples`` (demonstrations shown in the observation, default 0),
    ``prompt_choice`` (``random``, or ``seed``: held-out prompt ``seed % count``, so seeds
    0..count-1 cover each prompt once), ``ngram_min``/``ngram_max``, ``require_tag``,
    ``max_attempts``, ``protocol``, ``render_mode``, ``own_prompt`` and ``strip_wrappers``
    (see Version History).

    ## Version History
    * v1: the env chooses the agent's system prompt (``own_prompt=True``: HyPerAlign's
      generation prompt, ``personalization.hyperalign_system_prompt("writing", block)``, instead
      of the action-taking prompt) and removes a model's wrapper ("Sure, here is...", a closing
      offer, a fence or tag) from the submitted text before scoring (``strip_wrappers=True``;
      info ``wrapper_removed``, ``wrapper_removed_chars``).
    * v0: initial version (both options off).
    """

    task_name: ClassVar[str] = "personalized_writing"
    action_name: ClassVar[str] = "submit_text"
    tag_word: ClassVar[str] = "text"
    action_description: ClassVar[str] = (
        "Submit the complete text written as the user. This ends the episode."
    )

    def __init__(
        self,
        *,
        user: str | None = None,
        prompt_index: int | None = None,
        n_train: int = 7,
        corpus: str | None = None,
        show_examples: int = 0,
        prompt_choice: str = "random",
        ngram_min: int = 3,
        ngram_max: int = 5,
        require_tag: bool = False,
        max_attempts: int = 3,
        protocol: str = "tags",
        render_mode: str | None = None,
        own_prompt: bool = False,
        strip_wrappers: bool = False,
    ) -> None:
        super().__init__(
            require_tag=require_tag,
            max_attempts=max_attempts,
            protocol=protocol,
            render_mode=render_mode,
            own_prompt=own_prompt,
            strip_wrappers=strip_wrappers,
        )
        if not isinstance(n_train, int) or isinstance(n_train, bool) or n_train < 1:
            raise ValueError(f"n_train must be a positive integer, got {n_train!r}")
        show_examples = require_int("show_examples", show_examples)
        if not 0 <= show_examples <= n_train:
            raise ValueError(
                f"show_examples must be between 0 and n_train={n_train}, got {show_examples!r}"
            )
        self.corpus = corpus
        self.prompt_choice = check_prompt_choice(prompt_choice)
        self.n_train = n_train
        self.show_examples = show_examples
        self.users: dict[str, CorpusUser] = load_users(corpus)
        if len(self.users) < 2:
            raise ValueError(
                f"the corpus needs at least 2 users (the reward compares the text with other "
                f"authors), got {len(self.users)}"
            )
        short = sorted(u.id for u in self.users.values() if len(u.texts) <= n_train)
        if short:
            raise ValueError(
                f"every user needs more than n_train={n_train} texts (the rest are the test "
                f"prompts); too few for {short}. Lower n_train or add texts."
            )
        self.user = corpus_user(self.users, user).id if user is not None else None
        candidates = [self.users[self.user]] if self.user else list(self.users.values())
        most = min(len(u.texts) - n_train for u in candidates)
        if prompt_index is not None:
            prompt_index = require_int("prompt_index", prompt_index)
        if prompt_index is not None and not 0 <= prompt_index < most:
            raise ValueError(
                f"prompt_index must be between 0 and {most - 1} (held-out prompts per user), "
                f"got {prompt_index!r}"
            )
        self.prompt_index = prompt_index
        self.scorer = _scorer(corpus, n_train, ngram_min, ngram_max)
        self.current_user: CorpusUser | None = None
        self.current_text: CorpusText | None = None
        self.result: dict[str, Any] | None = None

    def _begin(self) -> str:
        self.result = None
        if self.user is not None:
            user = self.users[self.user]
        else:
            ids = sorted(self.users)
            user = self.users[ids[int(self.np_random.integers(len(ids)))]]
        held_out = user.texts[self.n_train :]
        index = (
            self.prompt_index
            if self.prompt_index is not None
            else self._pick(len(held_out), self.prompt_choice)
        )
        self.current_user, self.current_text = user, held_out[index]
        parts = [
            f'You are writing as the user "{user.id}". Write the text this user would write.',
            f"Task: {self.current_text.prompt}",
        ]
        if self.current_text.genre:
            parts.append(f"Genre: {self.current_text.genre}")
        if self.show_examples:
            shown = user.texts[: self.show_examples]
            parts.append("Examples of this user's writing:")
            parts.extend(
                f"--- Example {i} (task: {t.prompt})\n{t.text}" for i, t in enumerate(shown, 1)
            )
            parts.append("--- End of examples")
        parts.append(self._reply_instructions())
        return "\n\n".join(parts)

    def _score(self, text: str) -> dict[str, Any]:
        if self.current_user is None:  # pragma: no cover - guarded by TextEnv.step
            raise ActionError("the episode has not started")
        score = self.scorer.verify(text, self.current_user.id)
        self.result = {
            "text": text,
            "n_words": len(text.split()),
            "authorship_similarity": round(score.similarity, 6),
            "best_other": score.best_other,
            "best_other_similarity": round(score.best_other_similarity, 6),
            "margin": round(score.margin, 6),
            "attributed_to": score.attributed_to,
            "attributed": score.attributed,
            "rank_score": score.rank_score,
        }
        return {}

    def _summary(self) -> dict[str, Any]:
        user, item = self.current_user, self.current_text
        base: dict[str, Any] = {
            "user": user.id if user else None,
            "prompt_id": item.id if item else None,
            "prompt": item.prompt if item else None,
            "genre": item.genre if item else None,
            "optimal_return": 1.0,
        }
        if self.result is None:
            return {**base, "completed": False, "return": None, "regret": None}
        rank = float(self.result["rank_score"])
        return {**base, **self.result, "completed": True, "return": rank, "regret": 1.0 - rank}
