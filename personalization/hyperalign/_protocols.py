"""DITTO's published evaluation protocols for CMCC and CCAT50, re-derived from the corpora.

HyPerAlign compares against DITTO on DITTO's benchmarks (spec 3.1). DITTO's repository ships
its processed splits as pickles; pickles can run code when loaded, so telic never reads them.
Instead these functions re-derive the splits from a local copy of each corpus with the same
sizes, stratification and seed that DITTO's preprocessing states:

* **CMCC** (``ditto_cmcc``): the ``Correlated`` Emails and Essays of 21 authors (252 texts),
  split 60/20/20 stratified by author with seed 0: 151 train texts (7 or 8 per author), 50
  validation and 51 test texts (2 or 3 per author). Prompts name the real topic when a topic
  file is given (:func:`read_topic_file`).
* **CCAT50** (``ditto_ccat50``): ``C50train`` split 80/20 stratified by author with seed 0
  into train (40 per author) and validation (10 per author, the first 3 kept); the test set is
  the first 3 documents per author of ``C50test``.

Both keep ``n_train`` (7, DITTO's ``train_instances``) training texts per author as the
demonstrations. The allocation of counts to authors and the sizes match DITTO's; which texts
land in which split is drawn by telic's own seeded shuffle (NumPy ``default_rng(seed)``), so
membership is not identical to DITTO's pickles (theirs also depends on the order their file
system listed the files in). :class:`SplitRecord` states all of this and lists every text's
split, and :func:`write_split` saves the users JSONL the writing env reads beside the record,
so a run names the exact split it used.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from personalization._types import Example, PersonalizationError, UserProfile

DITTO_SEED = 0
DITTO_N_TRAIN = 7
#: How many validation / test texts per author DITTO keeps for CCAT50.
CCAT50_KEEP = 3
#: The six CMCC topic letters (Catholic Church, gay marriage, Iraq war, marijuana, privacy,
#: sex discrimination); a topic file maps them to the corpus's questions.
CMCC_TOPICS: tuple[str, ...] = ("C", "G", "I", "M", "P", "S")


@dataclass(frozen=True)
class SplitRecord:
    """Which text of which author is in which split, and how the split was made."""

    protocol: str
    """``ditto_cmcc`` or ``ditto_ccat50``."""
    seed: int
    """Seed of the shuffle."""
    n_train: int
    """Training texts per author used as demonstrations."""
    splits: dict[str, dict[str, list[str]]]
    """``{author: {"train": [ids], "val": [ids], "test": [ids]}}``, ids in split order."""
    sizes: dict[str, int] = field(default_factory=dict)
    """Total texts per split."""
    note: str = ""
    """How this relates to the published split."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what :func:`write_split` saves)."""
        return {
            "protocol": self.protocol,
            "seed": self.seed,
            "n_train": self.n_train,
            "sizes": self.sizes,
            "note": self.note,
            "splits": self.splits,
        }


def stratified_sizes(counts: Mapping[str, int], n_first: int) -> dict[str, int]:
    """How many of each author's texts go to the first part when ``n_first`` of all texts do,
    proportionally to each author's count (largest remainders get the leftovers; ties go to
    authors in sorted order).

    >>> stratified_sizes({"a": 12, "b": 12, "c": 12}, 22)
    {'a': 8, 'b': 7, 'c': 7}
    """
    total = sum(counts.values())
    if not 0 <= n_first <= total:
        raise PersonalizationError(f"cannot take {n_first} of {total} texts")
    exact = {a: c * n_first / total for a, c in counts.items()}
    sizes = {a: math.floor(v) for a, v in exact.items()}
    left = n_first - sum(sizes.values())
    order = sorted(counts, key=lambda a: (-(exact[a] - sizes[a]), a))
    for author in order[:left]:
        sizes[author] += 1
    return sizes


def stratified_split(
    by_author: Mapping[str, Sequence[Example]], test_fraction: float, seed: int
) -> tuple[dict[str, list[Example]], dict[str, list[Example]]]:
    """Split each author's texts into (rest, test) with ``ceil(test_fraction * total)`` test
    texts overall, allocated proportionally, after a seeded shuffle of each author's texts."""
    total = sum(len(v) for v in by_author.values())
    n_test = math.ceil(test_fraction * total)
    rest_sizes = stratified_sizes({a: len(v) for a, v in by_author.items()}, total - n_test)
    rng = np.random.default_rng(seed)
    rest: dict[str, list[Example]] = {}
    test: dict[str, list[Example]] = {}
    for author in sorted(by_author):
        items = list(by_author[author])
        order = rng.permutation(len(items))
        shuffled = [items[i] for i in order]
        rest[author] = shuffled[: rest_sizes[author]]
        test[author] = shuffled[rest_sizes[author] :]
    return rest, test


def _ids(parts: Mapping[str, Sequence[Example]]) -> dict[str, list[str]]:
    return {a: [str(e.id) for e in items] for a, items in parts.items()}


def _profiles(
    train: Mapping[str, list[Example]],
    held_out: Mapping[str, list[Example]],
    n_train: int,
    source: str,
) -> dict[str, UserProfile]:
    out = {}
    for author in sorted(train):
        if len(train[author]) < n_train:
            raise PersonalizationError(
                f"author {author!r} has {len(train[author])} training texts, fewer than "
                f"n_train={n_train}"
            )
        examples = (*train[author][:n_train], *held_out.get(author, []))
        out[author] = UserProfile(id=author, examples=tuple(examples), source=source)
    return out


def ditto_cmcc(
    root: str | Path,
    *,
    topic_file: str | Path | None = None,
    seed: int = DITTO_SEED,
    n_train: int = DITTO_N_TRAIN,
    authors: Sequence[str] | None = None,
) -> tuple[dict[str, UserProfile], SplitRecord]:
    """CMCC under DITTO's protocol (module docstring).

    Returns:
        ``({author: profile}, record)``. Each profile holds its first ``n_train`` training texts
        then its test texts, so ``profile.split(n_train)`` gives (demonstrations, test) and the
        writing env with ``n_train`` uses exactly these.
    """
    from personalization.hyperalign._loaders import load_cmcc

    topics = read_topic_file(topic_file) if topic_file is not None else None
    users = load_cmcc(root, genres=("Emails", "Essays"), topic_prompts=topics)
    by_author = {a: list(p.examples) for a, p in users.items()}
    train, rest = stratified_split(by_author, 0.4, seed)
    val, test = stratified_split(rest, 0.5, seed)
    profiles = _profiles(train, test, n_train, "cmcc")
    if authors is not None:
        from personalization._types import did_you_mean

        for a in authors:
            if a not in profiles:
                raise did_you_mean(a, sorted(profiles), "CMCC author")
        profiles = {a: profiles[a] for a in authors}
    splits = {
        a: {"train": _ids(train)[a], "val": _ids(val)[a], "test": _ids(test)[a]} for a in profiles
    }
    record = SplitRecord(
        protocol="ditto_cmcc",
        seed=seed,
        n_train=n_train,
        splits=splits,
        sizes={k: sum(len(s[k]) for s in splits.values()) for k in ("train", "val", "test")},
        note=(
            "Emails+Essays, 60/20/20 stratified by author, seed as DITTO; sizes match DITTO's, "
            "membership drawn by telic's own seeded shuffle (DITTO's pickles are not read)"
            + ("" if topics else "; no topic file, so prompts name the topic letter only")
        ),
    )
    return profiles, record


def ditto_ccat50(
    root: str | Path,
    *,
    seed: int = DITTO_SEED,
    n_train: int = DITTO_N_TRAIN,
    keep: int = CCAT50_KEEP,
    authors: Sequence[str] | None = None,
) -> tuple[dict[str, UserProfile], SplitRecord]:
    """CCAT50 under DITTO's protocol (module docstring); returns as :func:`ditto_cmcc`."""
    from personalization.hyperalign._loaders import load_ccat50

    train_all = load_ccat50(root, split="train", authors=authors)
    test_all = load_ccat50(root, split="test", authors=authors)
    by_author = {a: list(p.examples) for a, p in train_all.items()}
    train, val = stratified_split(by_author, 0.2, seed)
    val = {a: v[:keep] for a, v in val.items()}
    test = {a: list(test_all[a].examples[:keep]) if a in test_all else [] for a in train}
    profiles = _profiles(train, test, n_train, "ccat50")
    splits = {
        a: {"train": _ids(train)[a], "val": _ids(val)[a], "test": _ids(test)[a]} for a in profiles
    }
    record = SplitRecord(
        protocol="ditto_ccat50",
        seed=seed,
        n_train=n_train,
        splits=splits,
        sizes={k: sum(len(s[k]) for s in splits.values()) for k in ("train", "val", "test")},
        note=(
            f"C50train split 80/20 stratified by author, seed as DITTO; val and test (from "
            f"C50test, file-name order) truncated to {keep} per author; sizes match DITTO's, "
            "membership drawn by telic's own seeded shuffle (DITTO's pickles are not read)"
        ),
    )
    return profiles, record


def read_topic_file(path: str | Path) -> dict[str, str]:
    """Topic letter -> question, from a JSON object or lines ``<letter><TAB or : or =><text>``.

    Raises:
        FileNotFoundError: no such file.
        PersonalizationError: an unreadable line or an unknown topic letter.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"topic file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    topics: dict[str, str] = {}
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PersonalizationError(f"{path.name} is not valid JSON ({exc.msg})") from exc
        topics = {str(k).strip().upper(): str(v).strip() for k, v in data.items()}
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            for sep in ("\t", ":", "="):
                if sep in line:
                    key, value = line.split(sep, 1)
                    break
            else:
                raise PersonalizationError(
                    f"{path.name} line {number}: write '<topic letter>: <question>'"
                )
            topics[key.strip().upper()] = value.strip()
    unknown = sorted(set(topics) - set(CMCC_TOPICS))
    if unknown:
        raise PersonalizationError(
            f"{path.name}: unknown CMCC topic letter(s) {unknown}; CMCC's topics are "
            f"{', '.join(CMCC_TOPICS)}"
        )
    empty = sorted(k for k, v in topics.items() if not v)
    if empty:
        raise PersonalizationError(f"{path.name}: topic(s) {empty} have no question")
    return topics


def write_split(
    profiles: Mapping[str, UserProfile], record: SplitRecord, path: str | Path
) -> tuple[Path, Path]:
    """Save the users JSONL (for the writing env's ``corpus`` with ``n_train``) and the split
    record beside it (``<name>.split.json``). Returns both paths."""
    from personalization.hyperalign._loaders import save_jsonl_users

    users_path = save_jsonl_users(profiles.values(), path)
    record_path = users_path.with_suffix(".split.json")
    record_path.write_text(json.dumps(record.to_dict(), indent=2) + "\n", encoding="utf-8")
    return users_path, record_path


#: Suffix of the split record :func:`write_split` saves beside a users JSONL.
SPLIT_SUFFIX = ".split.json"
_RECORD_KEYS = ("protocol", "seed", "n_train", "sizes", "note", "splits")


def split_record_path(corpus: str | Path) -> Path:
    """Where :func:`write_split` puts the split record of the users file ``corpus``."""
    return Path(corpus).with_suffix(SPLIT_SUFFIX)


def read_split(path: str | Path) -> SplitRecord:
    """The split record saved by :func:`write_split`.

    Raises:
        PersonalizationError: the file is not valid JSON or lacks a field of the record.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PersonalizationError(
            f"split record {path.name} is not readable JSON ({exc}); write it again with "
            "write_split"
        ) from None
    missing = [k for k in _RECORD_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise PersonalizationError(
            f"split record {path.name} lacks {', '.join(missing)}; write it again with write_split"
        )
    splits = data["splits"]
    if not isinstance(splits, dict) or not all(
        isinstance(s, dict) and all(isinstance(s.get(k), list) for k in ("train", "val", "test"))
        for s in splits.values()
    ):
        raise PersonalizationError(
            f"split record {path.name}: 'splits' must map each author to train, val and test "
            "lists; write it again with write_split"
        )
    return SplitRecord(
        protocol=str(data["protocol"]),
        seed=int(data["seed"]),
        n_train=int(data["n_train"]),
        splits={
            str(a): {k: [str(i) for i in s[k]] for k in ("train", "val", "test")}
            for a, s in splits.items()
        },
        sizes={str(k): int(v) for k, v in dict(data["sizes"]).items()},
        note=str(data["note"]),
    )


def split_digest(record: SplitRecord) -> str:
    """A short hash of what makes a split (protocol, seed, n_train and every text's split; the
    note is prose and left out): two records with the same digest hold the same split."""
    import hashlib

    core = {
        "protocol": record.protocol,
        "seed": record.seed,
        "n_train": record.n_train,
        "splits": record.splits,
    }
    text = json.dumps(core, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_RUN_SPLITS: dict[tuple[str, int, int, int, int], dict[str, Any]] = {}


def corpus_split(corpus: str | Path) -> dict[str, Any] | None:
    """The split a users file was made with, as a run records it, or None when no split
    record lies beside it (``<name>.split.json``, see :func:`write_split`).

    Returns ``{"name", "seed", "digest", "corpus", "record_file", "record"}``: ``record`` is
    the split file's content as :meth:`SplitRecord.to_dict` gives it. Cached per file state.

    Raises:
        PersonalizationError: the record is unreadable, or the users file does not hold the
            record's demonstrations and test texts (one of the two was rewritten alone).
    """
    corpus = Path(corpus)
    record_path = split_record_path(corpus)
    if not record_path.is_file() or not corpus.is_file():
        return None
    a, b = corpus.stat(), record_path.stat()
    key = (str(corpus), a.st_mtime_ns, a.st_size, b.st_mtime_ns, b.st_size)
    if key not in _RUN_SPLITS:
        record = read_split(record_path)
        _check_corpus_matches(corpus, record_path, record)
        _RUN_SPLITS[key] = {
            "name": record.protocol,
            "seed": record.seed,
            "digest": split_digest(record),
            "corpus": str(corpus),
            "record_file": str(record_path),
            "record": record.to_dict(),
        }
    return _RUN_SPLITS[key]


def _check_corpus_matches(corpus: Path, record_path: Path, record: SplitRecord) -> None:
    from personalization.hyperalign._corpus import read_users_jsonl

    users = read_users_jsonl(corpus)
    for author in sorted(set(users) | set(record.splits)):
        split = record.splits.get(author)
        have = [t.id for t in users[author].texts] if author in users else []
        want = [*split["train"][: record.n_train], *split["test"]] if split else []
        if have != want:
            raise PersonalizationError(
                f"{corpus.name} does not match its split record {record_path.name} (user "
                f"{author!r}: the corpus's {len(have)} texts are not the record's "
                f"{len(want)} demonstrations then test texts); write both again with write_split"
            )
