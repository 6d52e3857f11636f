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
    jobs = plan([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert [j.name for j in jobs] == ["a/dan.py", "b/dan.py"]
    assert [j.target.name for j in jobs] == ["a_dan.py.json", "b_dan.py.json"]


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
