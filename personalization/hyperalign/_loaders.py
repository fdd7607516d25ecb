"""User corpora: the bundled synthetic users, users' own JSONL files, CCAT50 and CMCC.

Every loader returns ``{user_id: UserProfile}`` with examples in a fixed order, so
``profile.split(n_train)`` gives the same demonstrations every time.

Expected layouts (the corpora are not shipped; point the loaders at a local copy):

* **JSONL** (users' own texts): see ``personalization.hyperalign._corpus``; one line per text
  ``{"user", "prompt", "text", "genre"?}``, optional user lines with ``attributes``.
* **CCAT50** (Reuters_50_50, UCI): ``<root>/C50train/<Author>/<doc>.txt`` and
  ``<root>/C50test/<Author>/<doc>.txt``. Documents are read in file-name order, whitespace
  normalised, and given DITTO's prompt "Write an article that starts with the following:
  <first sentence>" (spec 3.1).
* **CMCC** (Goldstein-Stewart et al. 2008): ``<root>/<Genre>/Correlated/<file>.txt`` (the
  ``Correlated`` level may be absent), genre folders ``Emails`` and ``Essays`` by default (as
  DITTO), file names ``<author><genre letter><digits><topic letter><digits>.txt`` such as
  ``S1E1C2.txt`` (author ``S1``, topic ``C``). Files are decoded as UTF-8, else cp1252. The
  topic letters (C, G, I, M, P, S) map to the corpus's six questions; pass ``topic_file`` or
  ``topic_prompts={"C": "...", ...}`` with the questions from the corpus documentation,
  otherwise the prompt names the topic letter only. DITTO's split of CMCC and CCAT50 is in
  ``personalization.hyperalign._protocols``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from personalization._types import Example, PersonalizationError, UserProfile
from personalization.hyperalign import (
    DELIBERATIVE_USERS_FILE,
    CorpusUser,
    load_users,
    read_users_jsonl,
)


def profile_from_corpus_user(user: CorpusUser, source: str) -> UserProfile:
    """Turn an ``personalization.hyperalign`` corpus record into a :class:`UserProfile`."""
    return UserProfile(
        id=user.id,
        examples=tuple(
            Example(prompt=t.prompt, text=t.text, genre=t.genre, id=t.id) for t in user.texts
        ),
        attributes=dict(user.attributes),
        truth=dict(user.truth),
        source=source,
        synthetic=user.synthetic,
    )


def load_synthetic_users() -> dict[str, UserProfile]:
    """The bundled synthetic authorship corpus: 8 fictional users with 10 texts each.

    Written for telic and labelled synthetic; the first 7 texts of each user are the
    demonstrations used by ``telic/PersonalizedWriting-v0`` (``profile.split(7)``).
    """
    return {uid: profile_from_corpus_user(u, "synthetic") for uid, u in load_users().items()}


def load_deliberative_users() -> dict[str, UserProfile]:
    """The simulated users of ``telic/DeliberativeAlignment-v0`` (earlier requests + answers)."""
    users = load_users(DELIBERATIVE_USERS_FILE)
    return {uid: profile_from_corpus_user(u, "synthetic") for uid, u in users.items()}


def load_jsonl_users(path: str | Path) -> dict[str, UserProfile]:
    """Users from a JSONL file in the users layout (module docstring)."""
    return {uid: profile_from_corpus_user(u, "jsonl") for uid, u in read_users_jsonl(path).items()}


def save_jsonl_users(profiles: Iterable[UserProfile], path: str | Path) -> Path:
    """Write profiles in the JSONL users layout (readable by :func:`load_jsonl_users`)."""
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for profile in profiles:
            head = {
                "user": profile.id,
                "attributes": profile.attributes,
                "truth": profile.truth,
                "synthetic": profile.synthetic,
            }
            handle.write(json.dumps(head, ensure_ascii=False) + "\n")
            for example in profile.examples:
                row = {"user": profile.id, "prompt": example.prompt, "text": example.text}
                if example.genre:
                    row["genre"] = example.genre
                if example.id:
                    row["id"] = example.id
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------- CCAT50
_ABBREVIATIONS = frozenset(
    {
        "corp",
        "co",
        "u.s",
        "inc",
        "cos",
        "u.k",
        "st",
        "mr",
        "mrs",
        "ms",
        "dr",
        "jan",
        "feb",
        "aug",
        "sept",
        "oct",
        "nov",
        "dec",
        "ltd",
        "gov",
        "sen",
        "rep",
        "gen",
        "lt",
        "col",
        "prof",
        "jr",
        "sr",
        "vs",
    }
)
# Abbreviations that end in a period only when a number follows ("No. 2", "Vol. 3", "pp. 4").
_BEFORE_NUMBER = frozenset({"no", "nos", "vol", "pp", "fig", "art", "sec", "ch"})
_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_SPACES = re.compile(r"\s+")


def normalize_whitespace(text: str) -> str:
    """Collapse all whitespace runs to one space (DITTO normalises texts this way)."""
    return _SPACES.sub(" ", text).strip()


def first_sentence(text: str) -> str:
    """The first sentence of ``text``; abbreviations (Corp., U.S., Inc., St., ...) and single
    initials do not end a sentence.

    >>> first_sentence("Shares of Acme Corp. rose 5 pct in the U.S. on Monday. Traders said.")
    'Shares of Acme Corp. rose 5 pct in the U.S. on Monday.'
    >>> first_sentence("The No. 2 carrier cut fares. Rivals followed.")
    'The No. 2 carrier cut fares.'
    """
    flat = normalize_whitespace(text)
    for match in _BOUNDARY.finditer(flat):
        before = flat[: match.start()].split(" ")[-1].lower().strip("\"'([")
        if before in _ABBREVIATIONS or len(before) == 1:
            continue
        if before in _BEFORE_NUMBER and flat[match.end() : match.end() + 1].isdigit():
            continue
        return flat[: match.end()].rstrip()
    return flat


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _require_dir(path: Path, what: str) -> None:
    if not path.is_dir():
        raise FileNotFoundError(f"{what} folder {str(path)!r} does not exist")


def load_ccat50(
    root: str | Path,
    *,
    split: str = "all",
    authors: Sequence[str] | None = None,
) -> dict[str, UserProfile]:
    """Authors of a local CCAT50 (Reuters_50_50) copy (layout in the module docstring).

    Args:
        root: the folder holding ``C50train`` and ``C50test``.
        split: ``train``, ``test`` or ``all`` (train documents first, then test).
        authors: only these author folders (default: all).

    Raises:
        FileNotFoundError: a needed folder is missing.
        PersonalizationError: bad ``split``, unknown author, or an author without documents.
    """
    root = Path(root)
    folders = {"train": ["C50train"], "test": ["C50test"], "all": ["C50train", "C50test"]}
    if split not in folders:
        raise PersonalizationError(f"split must be train, test or all, got {split!r}")
    docs: dict[str, list[Example]] = {}
    for folder in folders[split]:
        base = root / folder
        _require_dir(base, "CCAT50")
        for author_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            for doc in sorted(author_dir.glob("*.txt")):
                text = normalize_whitespace(_read_text(doc))
                if not text:
                    continue
                prompt = "Write an article that starts with the following: " + first_sentence(text)
                docs.setdefault(author_dir.name, []).append(
                    Example(
                        prompt=prompt,
                        text=text,
                        genre="news",
                        id=f"{folder}/{author_dir.name}/{doc.name}",
                    )
                )
    return _select_authors(docs, authors, "ccat50", "CCAT50")


def _select_authors(
    docs: Mapping[str, list[Example]], authors: Sequence[str] | None, source: str, corpus: str
) -> dict[str, UserProfile]:
    if authors is not None:
        from personalization._types import did_you_mean

        for author in authors:
            if author not in docs:
                raise did_you_mean(author, list(docs), f"{corpus} author")
        docs = {a: docs[a] for a in authors}
    if not docs:
        raise PersonalizationError(f"no {corpus} documents found; check the folder layout")
    return {
        author: UserProfile(id=author, examples=tuple(items), source=source)
        for author, items in docs.items()
    }


# ----------------------------------------------------------------------------------- CMCC
_CMCC_NAME = re.compile(r"^([A-Za-z]\d+)([A-Za-z])(\d+)([A-Za-z])(\d+)\.txt$")
CMCC_PROMPTS: dict[str, str] = {
    "Emails": "Write an email response to a someone who asked you the following: {question}",
    "Essays": "Write an approximately 500 word essay to the following prompt: {question}",
    # The other genres (not in DITTO's benchmark) get a prompt in their own form, in telic's
    # wording, so a blog is not asked for as a generic text.
    "Blogs": "Write a blog post giving your view on the following: {question}",
    "Chat": "Write your messages in an online chat where someone asked: {question}",
    "Discussion": "Write what you would say in a group discussion of the following: {question}",
    "Interviews": "Answer this interview question in your own words: {question}",
}
_CMCC_GENRES = {
    "Emails": "email",
    "Essays": "essay",
    "Blogs": "blog",
    "Chat": "chat",
    "Discussion": "discussion",
    "Interviews": "interview",
}


def load_cmcc(
    root: str | Path,
    *,
    genres: Sequence[str] = ("Emails", "Essays"),
    topic_prompts: Mapping[str, str] | None = None,
    topic_file: str | Path | None = None,
    authors: Sequence[str] | None = None,
) -> dict[str, UserProfile]:
    """Authors of a local CMCC copy (layout in the module docstring).

    The email and essay prompts follow DITTO's wording (spec 3.1, including its "a someone");
    blogs, chat, discussions and interviews get a prompt of their own genre. ``topic_file``
    (``personalization.read_topic_file``: ``C: <question>`` lines or a JSON object) gives the
    real topic questions, so prompts no longer read "(CMCC topic C)".

    Raises:
        FileNotFoundError: a genre folder is missing.
        PersonalizationError: a file name that does not follow the CMCC coding, an unknown
            author, or no documents.
    """
    root = Path(root)
    topic_prompts = dict(topic_prompts or {})
    if topic_file is not None:
        from personalization.hyperalign._protocols import read_topic_file

        topic_prompts = {**read_topic_file(topic_file), **topic_prompts}
    docs: dict[str, list[Example]] = {}
    for genre in genres:
        base = root / genre
        _require_dir(base, "CMCC genre")
        folder = base / "Correlated" if (base / "Correlated").is_dir() else base
        for path in sorted(folder.glob("*.txt")):
            match = _CMCC_NAME.match(path.name)
            if not match:
                raise PersonalizationError(
                    f"CMCC file name {path.name!r} does not follow <author><genre><n><topic><n>"
                    ".txt (for example S1E1C2.txt); rename or remove it"
                )
            author, topic = match.group(1).upper(), match.group(4).upper()
            question = topic_prompts.get(topic, f"(CMCC topic {topic})")
            template = CMCC_PROMPTS.get(genre, "Write a text on the following topic: {question}")
            docs.setdefault(author, []).append(
                Example(
                    prompt=template.format(question=question),
                    text=normalize_whitespace(_read_text(path)),
                    genre=_CMCC_GENRES.get(genre, genre.lower()),
                    id=f"{genre}/{path.name}",
                )
            )
    return _select_authors(docs, authors, "cmcc", "CMCC")
