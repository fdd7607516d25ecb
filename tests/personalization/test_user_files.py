"""Bringing your own user: folders, .txt, CSV and JSONL inputs; --k, --reference; writing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hyperalign_fakes import FakeChat

from personalization import (
    PersonalizationError,
    infer_hypotheses_for_file,
    read_reference,
    read_user_texts,
    write_as_user_cli,
)
from scenarios.cli import run_cli

TEXTS = [
    "Deploy at 09:00. Rollback ready. Ping me if it breaks. - R",
    "Disk at 91%. Cleaning logs tonight. No downtime. - R",
    "Cert expires Friday. Renewed. Nothing to do. - R",
]


def _folder(root: Path) -> Path:
    root.mkdir(parents=True)
    for i, text in enumerate(TEXTS):
        (root / f"{i:02d}.txt").write_text(text, "utf-8")
    return root


def test_folder_txt_csv_and_jsonl(tmp_path: Path, fixtures: Path) -> None:
    folder = read_user_texts(_folder(tmp_path / "ravi"))
    assert list(folder) == ["ravi"] and [e.text for e in folder["ravi"].examples] == TEXTS
    txt = tmp_path / "ines.txt"
    txt.write_text("\n---\n".join(TEXTS) + "\n", "utf-8")
    assert [e.text for e in read_user_texts(txt)["ines"].examples] == TEXTS
    csv_path = tmp_path / "many.csv"
    csv_path.write_text(
        'user,prompt,text\na,Write a note,"Hi, all."\nb,,Bye.\na,,Again.\n', encoding="utf-8"
    )
    users = read_user_texts(csv_path)
    assert {u: len(p.examples) for u, p in users.items()} == {"a": 2, "b": 1}
    assert users["a"].examples[0].prompt == "Write a note"
    assert list(read_user_texts(fixtures / "users.jsonl")) == ["pat", "lou"]


def test_bad_inputs_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_user_texts(tmp_path / "nobody")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PersonalizationError, match=r"no non-empty \.txt files"):
        read_user_texts(tmp_path / "empty")
    (tmp_path / "x.docx").write_text("x", "utf-8")
    with pytest.raises(PersonalizationError, match="unsupported file type"):
        read_user_texts(tmp_path / "x.docx")
    (tmp_path / "nt.csv").write_text("body\nx\n", "utf-8")
    with pytest.raises(PersonalizationError, match="no 'text' column"):
        read_user_texts(tmp_path / "nt.csv")


def test_k_and_reference_change_the_offline_inference(tmp_path: Path) -> None:
    user = _folder(tmp_path / "ravi")
    full = infer_hypotheses_for_file(user, n=8)[0]
    first = infer_hypotheses_for_file(user, n=8, k=1)[0]
    assert full.provenance.notes != first.provenance.notes  # measured on fewer texts
    ref = tmp_path / "ref"
    for name, text in (("anna", "Well, I suppose so; perhaps."), ("bo", "WOW!!! Great!!!")):
        (ref / name).mkdir(parents=True)
        (ref / name / "1.txt").write_text(text, "utf-8")
    assert len(read_reference(ref)) == 2
    against = infer_hypotheses_for_file(user, n=8, reference=ref)[0]
    assert against.provenance.notes != full.provenance.notes  # other authors, other z-scores
    (ref / "bo" / "1.txt").unlink()
    with pytest.raises(PersonalizationError, match="at least 2"):
        read_reference(ref)


def test_cli_infer_takes_a_folder_with_k(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = _folder(tmp_path / "ravi")
    code = run_cli(["hypotheses", "infer", str(user), "--k", "2", "--n", "3"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("User ravi:")
    code = run_cli(["hypotheses", "infer", str(user), "--reference", str(tmp_path / "none")])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and "none" in err


def test_write_as_user_prints_the_stripped_text(tmp_path: Path) -> None:
    user = _folder(tmp_path / "ravi")
    seen: list[str] = []

    def reply(messages):
        seen.append(str(messages[0].content))
        return "Sure! Here is the note:\n\nBackup done. - R"

    lines: list[str] = []
    code = write_as_user_cli(
        user,
        "Tell the team the backup finished.",
        model="fake",
        condition="hypotheses",
        make_model=lambda _spec: FakeChat(respond=reply),
        echo=lines.append,
    )
    assert code == 0
    assert lines == ["Backup done. - R", "[removed from the model's reply: preamble]"]
    assert "Hypotheses about the user:" in seen[0] and "do not mention them" in seen[0]
    lines.clear()
    write_as_user_cli(
        user,
        "Tell the team.",
        model="fake",
        condition="none",
        make_model=lambda _spec: FakeChat(respond=reply),
        echo=lines.append,
    )
    assert "Hypotheses about the user:" not in seen[1]


def test_cli_write_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = _folder(tmp_path / "ravi")
    code = run_cli(
        [
            "hypotheses",
            "write",
            str(user),
            "--prompt",
            "x",
            "--model",
            "scripted:oracle",
            "--condition",
            "hypothesis",
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "Did you mean 'hypotheses'" in err
