import pytest

from grader.batch import BatchError, plan, prepare_out


def make_class(root):
    root.mkdir()
    (root / "alice.py").write_text("x = 1\n")
    (root / "alice.ipynb").write_text("{}")
    (root / "bob.zip").write_bytes(b"PK")
    (root / "carol" / "cs231n").mkdir(parents=True)
    (root / "notes.txt").write_text("not a submission")
    (root / ".hidden.py").write_text("")
    return root


def test_a_folder_of_submissions_gives_one_job_each_named_after_its_path(tmp_path):
    jobs = plan([make_class(tmp_path / "class")], tmp_path / "out")
    assert [(j.name, j.source.name, j.target.name) for j in jobs] == [
        ("alice.ipynb", "alice.ipynb", "alice.ipynb.json"),
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
    assert [j.target.name for j in jobs] == ["a_only.json", "a_dan.py.json", "b_only.json", "b_dan.py.json"]
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


def test_folders_of_folders_are_searched_and_names_keep_the_path(tmp_path):
    (tmp_path / "buggy" / "no_padding").mkdir(parents=True)
    (tmp_path / "buggy" / "no_padding" / "convnet_hw.py").write_text("")
    (tmp_path / "hostile").mkdir()
    for name in ("fork_bomb.py", "segfault.py", "README.md"):
        (tmp_path / "hostile" / name).write_text("")
    (tmp_path / "notebook").mkdir()
    (tmp_path / "notebook" / "hw.ipynb").write_text("{}")
    jobs = plan([tmp_path], tmp_path / "out")
    assert [(j.name, j.source.relative_to(tmp_path).as_posix()) for j in jobs] == [
        ("buggy/no_padding", "buggy/no_padding"),
        ("hostile/fork_bomb", "hostile/fork_bomb.py"),
        ("hostile/segfault", "hostile/segfault.py"),
        ("notebook", "notebook"),
    ]
    assert jobs[0].target.name == "buggy_no_padding.json"
