"""`cnngrade check --summary FILE`: the result as Markdown, appended (GitHub's job summary file)."""

from classroom import SUBMISSIONS


def test_the_summary_is_a_markdown_table_appended_per_run(tmp_path, cnngrade):
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    buggy = SUBMISSIONS / "buggy" / "conv_no_padding"
    correct = SUBMISSIONS / "correct_module"
    assert cnngrade("check", buggy, "-k", "conv_forward", "--summary", summary, "-q").returncode == 1
    assert cnngrade("check", correct, "-k", "conv_forward", "--summary", summary, "-q").returncode == 0
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    first, second = text.split("### cnngrade: ")[1:]
    assert first.startswith("conv\\_no\\_padding") and second.startswith("correct\\_module")
    row = next(line for line in first.splitlines() if "conv\\_forward.public" in line)
    assert row.startswith("| ❌ failed |") and row.endswith("| 0 / 3 |")
    assert "hint: conv forward: the input looks unpadded" in first
    assert "| ✅ passed | conv\\_forward.public |" in second and "What to fix" not in second


def test_an_unwritable_summary_is_one_line(tmp_path, cnngrade):
    target = tmp_path / "file"
    target.write_text("")
    done = cnngrade("check", SUBMISSIONS / "correct_module", "--summary", target / "summary.md")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("cnngrade: error: cannot write")
