"""Reading the user corpora and prompt sets the personalized environments play on.

Two file formats, both plain text so a user can write their own:

* **Users (JSONL)**, one JSON object per line. A line with ``"text"`` is one example written by
  the user named in ``"user"``: ``{"user": "ravi", "prompt": "Write an email ...", "text":
  "...", "genre": "email"}`` (``prompt`` and ``genre`` optional, ``id`` optional). A line
  without ``"text"`` describes the user: ``{"user": "ravi", "attributes": {...}, "truth":
  {...}, "synthetic": true}``. ``attributes`` are public facts a generator may be told;
  ``truth`` is the hidden ground truth of a simulated user, never shown to a model.
* **Prompt sets (JSONL or CSV)** for the deliberative-alignment env: one request per row with
  at least ``prompt`` and ``label`` (``benign`` or ``harmful``; ``safe``/``unsafe``, ``0``/``1``
  with 1 = harmful, and ``true``/``false`` with true = harmful are accepted too). Optional:
  ``id``, ``category``, ``topic_keywords`` and ``harm_keywords`` (JSON lists, or ``;``-separated
  strings in CSV; a keyword matches a whole word or phrase, or a word prefix if it ends with
  ``*``).

This module lives in ``envs`` (not ``personalization``) because the environments need the data
and ``envs`` imports nothing from the other packages; ``personalization`` builds its richer
``UserProfile`` objects on top of these records.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telic import TelicError, UnknownNameError, suggestion, unknown_name

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The bundled synthetic authorship corpus (8 fictional users, written for telic).
SYNTHETIC_USERS_FILE = DATA_DIR / "synthetic_users.jsonl"
#: Simulated users of the deliberative-alignment env (hidden preference profiles).
DELIBERATIVE_USERS_FILE = DATA_DIR / "deliberative_users.jsonl"
#: The bundled benign-but-sensitive and harmful requests (requests only, written for telic).
DELIBERATIVE_PROMPTS_FILE = DATA_DIR / "deliberative_prompts.jsonl"

LABELS: tuple[str, ...] = ("benign", "harmful")
_LABEL_SYNONYMS = {
    "benign": "benign",
    "safe": "benign",
    "0": "benign",
    "false": "benign",
    "harmful": "harmful",
    "unsafe": "harmful",
    "1": "harmful",
    "true": "harmful",
}


class CorpusFormatError(TelicError, ValueError):
    """A corpus or prompt file that does not follow the documented layout."""


class UnknownUserError(UnknownNameError):
    """A user id that the corpus does not contain."""


@dataclass(frozen=True)
class CorpusText:
    """One text written by a user, with the request it answered."""

    id: str
    """Stable id, ``<user>-<index>`` unless the file gives one."""
    prompt: str
    """The request the text answered ("Write an email to ...")."""
    text: str
    """The user's own text."""
    genre: str | None = None
    """``email``, ``blog``, ``news``, ``essay``, ... when known."""


@dataclass(frozen=True)
class CorpusUser:
    """A user of a corpus: their texts in file order plus public and hidden facts."""

    id: str
    """The user id used in env kwargs (``user="ravi"``)."""
    texts: tuple[CorpusText, ...]
    """The user's texts in file order (the first ``n_train`` are demonstrations)."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Public facts a generator may be told (stated role, audience, ...)."""
    truth: Mapping[str, Any] = field(default_factory=dict)
    """Hidden ground truth of a simulated user (persona, preferred format); never shown."""
    synthetic: bool = False
    """Whether the texts were written for telic rather than by a real person."""


def _read_json_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise FileNotFoundError(f"corpus file {str(path)!r} does not exist")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusFormatError(
                    f"{path.name}:{number} is not valid JSON ({exc.msg}); each line must be "
                    "one JSON object"
                ) from exc
            if not isinstance(row, dict):
                raise CorpusFormatError(
                    f"{path.name}:{number} must be a JSON object, got {type(row).__name__}"
                )
            rows.append((number, row))
    return rows


def read_users_jsonl(path: str | Path) -> dict[str, CorpusUser]:
    """Read a users file (layout in the module docstring); users in order of first mention.

    Raises:
        FileNotFoundError: the file does not exist.
        CorpusFormatError: a line is not a JSON object, lacks ``user`` or has a bad field.
    """
    path = Path(path)
    texts: dict[str, list[CorpusText]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for number, row in _read_json_lines(path):
        user = row.get("user")
        if not isinstance(user, str) or not user.strip():
            raise CorpusFormatError(
                f'{path.name}:{number} needs a "user" string naming who wrote the text'
            )
        user = user.strip()
        texts.setdefault(user, [])
        info = meta.setdefault(user, {"attributes": {}, "truth": {}, "synthetic": False})
        if "text" in row:
            text = row["text"]
            prompt = row.get("prompt", "")
            genre = row.get("genre")
            if not isinstance(text, str) or not text.strip():
                raise CorpusFormatError(f'{path.name}:{number}: "text" must be non-empty text')
            if not isinstance(prompt, str):
                raise CorpusFormatError(f'{path.name}:{number}: "prompt" must be text')
            if genre is not None and not isinstance(genre, str):
                raise CorpusFormatError(f'{path.name}:{number}: "genre" must be text')
            text_id = row.get("id") or f"{user}-{len(texts[user]) + 1:02d}"
            texts[user].append(CorpusText(str(text_id), prompt.strip(), text.strip(), genre))
        for key in ("attributes", "truth"):
            if key in row:
                if not isinstance(row[key], dict):
                    raise CorpusFormatError(f'{path.name}:{number}: "{key}" must be an object')
                info[key].update(row[key])
        if "synthetic" in row:
            info["synthetic"] = bool(row["synthetic"])
    users = {}
    for user, items in texts.items():
        info = meta[user]
        users[user] = CorpusUser(
            user, tuple(items), dict(info["attributes"]), dict(info["truth"]), info["synthetic"]
        )
    return users


@functools.lru_cache(maxsize=8)
def _cached_users(path: str) -> dict[str, CorpusUser]:
    return read_users_jsonl(path)


def load_users(path: str | Path | None = None) -> dict[str, CorpusUser]:
    """The users of ``path``, or of the bundled synthetic corpus when ``None`` (cached)."""
    return dict(_cached_users(str(Path(path) if path else SYNTHETIC_USERS_FILE)))


def corpus_user(users: Mapping[str, CorpusUser], user_id: str) -> CorpusUser:
    """``users[user_id]``, or :class:`UnknownUserError` with a did-you-mean."""
    if user_id in users:
        return users[user_id]
    raise unknown_name("user", user_id, users, error=UnknownUserError)


@dataclass(frozen=True)
class PromptItem:
    """One request of a deliberative-alignment prompt set."""

    id: str
    """Stable id (``p01`` ... unless the file gives one)."""
    prompt: str
    """The user's request."""
    label: str
    """``benign`` (should be answered) or ``harmful`` (should be declined)."""
    category: str = ""
    """Free-form topic (``cybersecurity``, ``medical``, ...)."""
    topic_keywords: tuple[str, ...] = ()
    """Words a helpful answer would likely use (the offline helpfulness heuristic)."""
    harm_keywords: tuple[str, ...] = ()
    """Words a compliant answer to a harmful request would likely use (offline harm heuristic)."""


def normalize_label(value: Any, where: str = "label") -> str:
    """Map a label in any accepted spelling to ``benign`` or ``harmful``."""
    key = str(value).strip().lower()
    if key in _LABEL_SYNONYMS:
        return _LABEL_SYNONYMS[key]
    hint = suggestion(key, _LABEL_SYNONYMS, n=1)
    raise CorpusFormatError(
        f"{where} must be one of benign/harmful (or safe/unsafe, 0/1), got {value!r}.{hint}"
    )


def _keywords(value: Any, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        if value.strip().startswith("["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise CorpusFormatError(f"{where} is not a valid JSON list: {value!r}") from exc
        else:
            return tuple(part.strip() for part in value.split(";") if part.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value if v.strip())
    raise CorpusFormatError(f"{where} must be a list of strings, got {value!r}")


def _prompt_item(row: Mapping[str, Any], index: int, where: str) -> PromptItem:
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise CorpusFormatError(f'{where}: "prompt" must be non-empty text')
    if "label" not in row or row["label"] in (None, ""):
        raise CorpusFormatError(f'{where}: "label" is missing (benign or harmful)')
    return PromptItem(
        id=str(row.get("id") or f"p{index:02d}"),
        prompt=prompt.strip(),
        label=normalize_label(row["label"], f"{where}: label"),
        category=str(row.get("category") or ""),
        topic_keywords=_keywords(row.get("topic_keywords"), f"{where}: topic_keywords"),
        harm_keywords=_keywords(row.get("harm_keywords"), f"{where}: harm_keywords"),
    )


def read_prompt_set(path: str | Path) -> list[PromptItem]:
    """Read a prompt set from a ``.jsonl`` or ``.csv`` file (layout in the module docstring).

    Raises:
        FileNotFoundError: the file does not exist.
        CorpusFormatError: unknown extension, missing ``prompt``/``label``, unknown label or
            duplicate id.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    items: list[PromptItem] = []
    if suffix in (".jsonl", ".json"):
        for index, (number, row) in enumerate(_read_json_lines(path), start=1):
            items.append(_prompt_item(row, index, f"{path.name}:{number}"))
    elif suffix == ".csv":
        if not path.is_file():
            raise FileNotFoundError(f"prompt file {str(path)!r} does not exist")
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"prompt", "label"} - set(reader.fieldnames or [])
            if missing:
                raise CorpusFormatError(
                    f"{path.name} needs the columns prompt and label; missing {sorted(missing)}"
                )
            for index, row in enumerate(reader, start=1):
                items.append(_prompt_item(row, index, f"{path.name}:{index + 1}"))
    else:
        raise CorpusFormatError(
            f"prompt sets are .jsonl or .csv files, got {path.name!r}; convert it or rename it"
        )
    if not items:
        raise CorpusFormatError(f"{path.name} holds no prompts")
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise CorpusFormatError(f"{path.name}: duplicate prompt id {item.id!r}")
        seen.add(item.id)
    return items


@functools.lru_cache(maxsize=8)
def _cached_prompts(path: str) -> tuple[PromptItem, ...]:
    return tuple(read_prompt_set(path))


def load_prompt_set(path: str | Path | None = None) -> list[PromptItem]:
    """The prompts of ``path``, or the bundled set when ``None`` (cached)."""
    return list(_cached_prompts(str(Path(path) if path else DELIBERATIVE_PROMPTS_FILE)))
