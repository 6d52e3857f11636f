import pytest
from report_factory import graded_report

from grader.report.models import Status, read_report, write_report
from grader.run.batch import BatchError, Job, Outcome, plan, prepare_out, remember, select, summary


def make_class(root):
    root.mkdir()
    (root / "alice.py").write_text("x = 1\n")
    (root / "alice.ipynb").write_text("{}")
    (root / "bob.zip").write_bytes(b"PK")
    (root / "carol" / "cs231n").mkdir(parents=True)
    (root / "notes.txt").write_text("not a submission")
    (root / ".hidden.py").write_text("")
    return root


def test_a_folder_of_submissions_gives_one_job_each_named_after_itself(tmp_path):
    jobs = plan([make_class(tmp_path / "class")], tmp_path / "out")
    assert [(j.name, j.source.name, j.target.name) for j in jobs] == [
        ("alice.ipynb", "alice.ipynb", "alice.ipynb.json"),  # two alices: the suffix tells them apart
        ("alice.py", "alice.py", "alice.py.json"),
        ("bob", "bob.zip", "bob.json"),
        ("carol", "carol", "carol.json"),
    ]


def test_a_course_package_folder_is_one_submission(tmp_path):
    root = make_class(tmp_path / "class")
    (job,) = plan([root / "carol"], tmp_path / "out")
    assert job.name == "carol" and job.source == root / "carol"


def test_same_names_from_two_folders_are_told_apart(tmp_path):
    for section in ("a", "b"):
        (tmp_path / section).mkdir()
        (tmp_path / section / "dan.py").write_text("")
        (tmp_path / section / f"{section}_only.py").write_text("")
    jobs = plan([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert [j.name for j in jobs] == ["a_only", "a/dan.py", "b_only", "b/dan.py"]
    assert [j.target.name[:6] for j in jobs] == ["a_only", "a_dan.", "b_only", "b_dan."]
    assert len({j.target.name for j in jobs}) == 4
    # a folder holding a single module is that submission
    (single,) = plan([tmp_path / "a" / "dan.py"], tmp_path / "out")
    assert single.name == "dan"


def test_nothing_to_grade_is_a_user_error(tmp_path):
    with pytest.raises(BatchError, match="no such file"):
        plan([tmp_path / "missing"], tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="no submissions"):
        plan([tmp_path / "empty"], tmp_path / "out")


def test_prepare_out_removes_temp_files_a_killed_run_left(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".alice.json.k2j3.tmp").write_text('{"half": ')
    (out / "alice.json").write_text("{}")
    prepare_out(out)
    assert [p.name for p in out.iterdir()] == ["alice.json"]


def test_folders_of_folders_are_searched_and_a_submission_is_named_after_itself(tmp_path):
    (tmp_path / "buggy" / "no_padding").mkdir(parents=True)
    (tmp_path / "buggy" / "no_padding" / "convnet_hw.py").write_text("")
    (tmp_path / "hostile").mkdir()
    for name in ("fork_bomb.py", "segfault.py", "README.md"):
        (tmp_path / "hostile" / name).write_text("")
    (tmp_path / "notebook").mkdir()
    (tmp_path / "notebook" / "hw.ipynb").write_text("{}")
    jobs = plan([tmp_path], tmp_path / "out")
    assert [(j.name, j.source.relative_to(tmp_path).as_posix()) for j in jobs] == [
        ("no_padding", "buggy/no_padding"),
        ("fork_bomb", "hostile/fork_bomb.py"),
        ("segfault", "hostile/segfault.py"),
        ("notebook", "notebook"),
    ]
    # Graded alone, it has the same name and report as in the batch.
    (alone,) = plan([tmp_path / "buggy" / "no_padding"], tmp_path / "elsewhere")
    assert (alone.name, alone.target.name) == ("no_padding", "no_padding.json")


def test_a_newcomer_whose_name_is_taken_does_not_rename_the_others(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    (klass / "bob.py").write_text("")
    (klass / "carol.py").write_text("")
    remember(out, plan([klass], out), "fp")
    (klass / "Bob.py").write_text("")  # equal but for case: one file on macOS and Windows
    (klass / "sub").mkdir()
    (klass / "sub" / "carol.py").write_text("")
    (klass / "sub" / "dan.py").write_text("")
    planned = plan([klass], out)
    remember(out, planned, "fp")
    jobs = {j.source.relative_to(klass).as_posix(): j for j in planned}
    assert jobs["bob.py"].target.name == "bob.json" and jobs["carol.py"].target.name == "carol.json"
    assert jobs["Bob.py"].name == "Bob.py" and jobs["sub/carol.py"].name == "sub/carol"
    assert len({j.target.name.lower() for j in jobs.values()}) == 5
    # the remembered names hold when a submission is graded alone too
    (alone,) = plan([klass / "sub" / "carol.py"], out)
    assert alone.name == "sub/carol"
    # and the names do not depend on the order or on who else is in the batch
    (again,) = plan([klass / "bob.py"], out)
    assert again.target.name == "bob.json"


def test_two_new_names_equal_but_for_case_both_get_longer_names(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "bob.py").write_text("")
    (klass / "Bob.ipynb").write_text("{}")
    jobs = plan([klass], tmp_path / "out")
    assert sorted(j.name for j in jobs) == ["Bob.ipynb", "bob.py"]


def test_a_very_long_name_gets_a_short_file_name_and_a_report_can_be_written(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    long_name = "x" * 240
    (klass / f"{long_name}.py").write_text("")
    (job,) = plan([klass], tmp_path / "out")
    assert len(job.target.name) < 100 and len(job.name) <= 120
    write_report(graded_report(job.name), job.target)
    assert read_report(job.target).submission.name == job.name


def test_only_and_force_pick_submissions_by_name_and_unknown_names_are_refused(tmp_path):
    jobs = plan([make_class(tmp_path / "class")], tmp_path / "out")
    chosen = select(jobs, only=["BOB", "carol.json"], force=["carol"])
    assert [(j.name, j.force) for j in chosen] == [("bob", False), ("carol", True)]
    assert [j.force for j in select(jobs, only=[], force=[])] == [False] * 4
    with pytest.raises(BatchError, match="no submission named 'dave'"):
        select(jobs, only=["dave"], force=[])


def test_the_summary_counts_only_checks_that_failed(tmp_path):
    """A skipped check (not applicable, or hidden in a self-check) is not a failure."""
    ids = [c.id for c in graded_report().checks]
    report = graded_report(statuses={ids[0]: Status.skipped, ids[1]: Status.failed, ids[2]: Status.timeout})
    job = Job("alice", tmp_path / "alice.py", tmp_path / "alice.json")
    text = summary([Outcome(job, "graded", 1.0, report=report)], 1.0)
    (line,) = [line for line in text.splitlines() if line.startswith("checks failed most")]
    assert line == f"checks failed most: {ids[1]} (1), {ids[2]} (1)"


def _stem_of_a_hashed_name(klass):
    """A classmate whose folder name needs a hashed stem (`First Last/`), and that stem."""
    (klass / "First Last" / "cs231n").mkdir(parents=True)
    (classmate,) = plan([klass / "First Last"], klass.parent / "probe")
    return classmate.target.stem


def test_a_file_named_like_a_classmates_hashed_stem_never_takes_their_report(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    stem = _stem_of_a_hashed_name(klass)
    assert stem.startswith("First_Last-")
    remember(out, plan([klass], out), "fp")
    (klass / f"{stem}.py").write_text("")  # the late file, graded alone into the class's folder
    (late,) = plan([klass / f"{stem}.py"], out)
    assert late.target.stem.lower() != stem.lower()
    # graded with the class instead: every submission gets a report of its own, none refused
    jobs = plan([klass], out)
    assert len({j.target.name.lower() for j in jobs}) == len(jobs) == 2


def test_a_report_in_a_folder_without_its_state_is_not_taken_either(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    out.mkdir()
    (out / "bob.json").write_text("{}")  # someone's report; the folder's state file was lost
    (klass / "bob.py").write_text("")
    (klass / "carol.py").write_text("")
    jobs = {j.source.name: j for j in plan([klass], out)}
    assert jobs["bob.py"].target.name == "bob.py.json" and jobs["carol.py"].target.name == "carol.json"
