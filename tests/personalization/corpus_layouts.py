"""Corpora in the real CMCC and Reuters_50_50 (CCAT50) layouts, big enough for DITTO's splits.

The files under ``fixtures/cmcc`` and ``fixtures/ccat50`` show the layouts with a few texts;
DITTO's protocols need 12 texts per CMCC author and 50 per CCAT50 author, so these builders
write the same layouts at full size (texts invented for the tests).
"""

from __future__ import annotations

from pathlib import Path

TOPICS = ("C", "G", "I", "M", "P", "S")


def cmcc_layout(root: Path, n_authors: int = 21) -> Path:
    """CMCC's layout: 21 authors x (6 emails + 6 essays), one per topic, cp1252 files."""
    for genre, letter in (("Emails", "E"), ("Essays", "S")):
        folder = root / genre / "Correlated"
        folder.mkdir(parents=True)
        for a in range(1, n_authors + 1):
            for t, topic in enumerate(TOPICS, start=1):
                text = f"Author {a} on topic {topic} \u2019{genre}\u2019 text number {t}."
                (folder / f"S{a}{letter}1{topic}{t}.txt").write_bytes(text.encode("cp1252"))
    return root


def ccat50_layout(root: Path, n_authors: int = 4) -> Path:
    """Reuters_50_50's layout: C50train/<Author>/*.txt and C50test/<Author>/*.txt, 50 each."""
    for part in ("C50train", "C50test"):
        for a in range(n_authors):
            folder = root / part / f"Author{a}"
            folder.mkdir(parents=True)
            for d in range(50):
                body = f"The No. {d} carrier of {part} said on Monday. Author{a} wrote this."
                (folder / f"{1000 + d}newsML.txt").write_text(body, encoding="ascii")
    return root
