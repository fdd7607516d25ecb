"""Bringing your own user: read a person's texts from the files people actually have.

:func:`read_user_texts` accepts

* a **folder** of ``.txt`` files: one text per file, one user named after the folder
  (sub-folders are read too, in sorted order);
* a **.txt** file: one user named after the file; texts separated by a line holding only
  ``---`` (without such lines the whole file is one text);
* a **JSONL** users file (``{"user", "text", "prompt"?, "genre"?, "id"?}`` per line, see
  ``docs/personalization.md``);
* a **CSV** file with a ``text`` column and optional ``user``, ``prompt``, ``genre`` and
  ``id`` columns (without ``user``, one user named after the file);
* ``synthetic`` or ``synthetic:<id>``: the bundled fictional authors.

Texts are read in file order (folders: sorted file names), so the first ``k`` texts are the
same on every run. :func:`read_reference` reads the reference corpus of the offline inferer
(whose z-scores compare a user's measurements with these other authors) the same way.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from personalization._types import Example, PersonalizationError, UserProfile

_SEPARATOR = "---"
FORMATS = ("folder", "txt", "jsonl", "csv")


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _split_txt(text: str) -> list[str]:
    chunks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() == _SEPARATOR:
            chunks.append([])
        else:
            chunks[-1].append(line)
    return [t for t in ("\n".join(c).strip() for c in chunks) if t]


def _profile(uid: str, examples: list[Example], source: str) -> UserProfile:
    return UserProfile(id=uid, examples=tuple(examples), source=source)


def _from_folder(path: Path) -> dict[str, UserProfile]:
    files = sorted(p for p in path.rglob("*.txt") if p.is_file())
    examples = []
    for file in files:
        for i, text in enumerate(_split_txt(_read(file))):
            rel = file.relative_to(path).as_posix()
            examples.append(Example(text=text, id=rel if i == 0 else f"{rel}#{i + 1}"))
    if not examples:
        raise PersonalizationError(
            f"folder {str(path)!r} holds no non-empty .txt files; put one text per .txt file in it"
        )
    return {path.name: _profile(path.name, examples, "folder")}


def _from_txt(path: Path) -> dict[str, UserProfile]:
    texts = _split_txt(_read(path))
    if not texts:
        raise PersonalizationError(f"{path.name} is empty; write the user's texts in it")
    examples = [Example(text=t, id=f"{path.name}#{i}") for i, t in enumerate(texts, start=1)]
    return {path.stem: _profile(path.stem, examples, "txt")}


def _from_csv(path: Path) -> dict[str, UserProfile]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        if "text" not in columns:
            raise PersonalizationError(
                f"{path.name} has no 'text' column (columns: {columns}); the CSV needs a text "
                "column and may have user, prompt, genre and id columns"
            )
        users: dict[str, list[Example]] = {}
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
            text = row.get("text", "").strip()
            if not text:
                raise PersonalizationError(f"{path.name} line {line}: the text is empty")
            uid = row.get("user", "").strip() or path.stem
            users.setdefault(uid, []).append(
                Example(
                    text=text,
                    prompt=row.get("prompt", "").strip(),
                    genre=row.get("genre", "").strip() or None,
                    id=row.get("id", "").strip() or f"{path.name}:{line}",
                )
            )
    if not users:
        raise PersonalizationError(f"{path.name} has no rows")
    return {uid: _profile(uid, ex, "csv") for uid, ex in users.items()}


def _from_jsonl(path: Path) -> dict[str, UserProfile]:
    from personalization.hyperalign._loaders import load_jsonl_users

    try:
        return load_jsonl_users(path)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        raise PersonalizationError(f"{path.name}: {exc}") from exc


def read_user_texts(source: str | Path) -> dict[str, UserProfile]:
    """The users and their texts in ``source`` (module docstring for the formats).

    Raises:
        FileNotFoundError: no such file or folder.
        PersonalizationError: an unsupported file type, or a file without texts.
    """
    name = str(source)
    if name == "synthetic" or name.startswith("synthetic:"):
        from personalization.hyperalign._loaders import load_synthetic_users

        users = load_synthetic_users()
        if ":" in name:
            wanted = name.split(":", 1)[1]
            if wanted not in users:
                from personalization._types import did_you_mean

                raise did_you_mean(wanted, list(users), "synthetic user")
            users = {wanted: users[wanted]}
        return users
    path = Path(source)
    if path.is_dir():
        return _from_folder(path)
    if not path.is_file():
        raise FileNotFoundError(f"{name!r} does not exist (give a folder, .txt, .jsonl or .csv)")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _from_txt(path)
    if suffix == ".csv":
        return _from_csv(path)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _from_jsonl(path)
    raise PersonalizationError(
        f"{path.name}: unsupported file type {suffix or '(none)'}; give a folder of .txt files, "
        "a .txt, a .jsonl or a .csv"
    )


def read_reference(source: str | Path, *, exclude: str | None = None) -> list[UserProfile]:
    """Reference authors for the offline inferer (every user of ``source`` but ``exclude``).

    A folder whose sub-folders hold ``.txt`` files gives one author per sub-folder.

    Raises:
        PersonalizationError: fewer than 2 reference authors (z-scores need a spread).
    """
    path = Path(source)
    users: dict[str, UserProfile] = {}
    subdirs = sorted(p for p in path.iterdir() if p.is_dir()) if path.is_dir() else []
    if subdirs:
        for sub in subdirs:
            if any(sub.rglob("*.txt")):
                users.update(_from_folder(sub))
    else:
        users = read_user_texts(source)
    chosen = [p for uid, p in users.items() if uid != exclude]
    if len(chosen) < 2:
        raise PersonalizationError(
            f"the reference corpus {str(source)!r} has {len(chosen)} author(s) besides the user; "
            "the offline inferer needs at least 2 to measure how authors differ"
        )
    return chosen
