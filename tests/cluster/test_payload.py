"""A submission packed on the client and unpacked on a worker loads as the original does."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest
from classroom import SUBMISSIONS

from grader.load.submission import load
from grader.run.batch import Job
from grader.run.cluster import _extractable, pack, unpack


def loaded(path: Path, scratch: Path) -> dict:
    bundle = load(path, scratch)
    return bundle.manifest.model_dump(mode="json") | {"sha256": bundle.sha256, "kind": bundle.kind}


def test_a_folder_travels_with_its_code_and_links_but_not_its_data(tmp_path):
    home = tmp_path / "client"
    repo = home / "bob"
    shutil.copytree(SUBMISSIONS / "correct_package", repo / "assignment2")
    os.symlink(repo / "assignment2" / "cs231n", repo / "cs231n_abs")  # inside, absolute
    os.symlink("../../outside.py", repo / "assignment2" / "escape.py")  # outside the upload
    os.symlink("nowhere.py", repo / "assignment2" / "broken.py")  # dangling
    (home / "outside.py").write_text("SECRET = 1\n")
    (repo / "assignment2" / "cifar.bin").write_bytes(b"\0" * 100_000)  # data: never read
    payload = pack(Job("bob", repo, tmp_path / "bob.json"))
    assert len(payload.data) < 100_000 and payload.folder and payload.basename == "bob"

    worker = tmp_path / "worker"
    worker.mkdir()
    unpacked = unpack(payload, worker)
    assert unpacked.name == "bob" and unpacked.is_relative_to(worker)
    assert not (unpacked / "assignment2" / "cifar.bin").exists()
    assert (unpacked / "cs231n_abs" / "layers.py").is_file()  # the absolute link still leads inside
    escape = unpacked / "assignment2" / "escape.py"  # as on the client: a link out, to something
    assert os.readlink(escape) == "../../outside.py" and escape.exists()
    assert not Path(os.path.realpath(escape)).is_relative_to(unpacked)
    assert Path(os.path.realpath(escape)).read_text() == ""  # a stand-in, not the client's file
    shutil.rmtree(repo / "assignment2" / "cs231n" / "__pycache__", ignore_errors=True)
    on_worker = loaded(unpacked, tmp_path / "s1")
    assert on_worker == loaded(repo, tmp_path / "s2")
    assert {f["file"] for f in on_worker["findings"]} == {"assignment2/escape.py", "assignment2/broken.py"}


def test_a_file_travels_as_its_bytes(tmp_path):
    notebook = next((SUBMISSIONS / "correct_notebook").glob("*.ipynb"))
    payload = pack(Job("carol", notebook, tmp_path / "carol.json"))
    assert payload.data == notebook.read_bytes() and not payload.folder
    unpacked = unpack(payload, tmp_path)
    assert unpacked.name == notebook.name
    assert loaded(unpacked, tmp_path / "s1") == loaded(notebook, tmp_path / "s2")


def _member(name: str, kind: bytes = tarfile.REGTYPE, mode: int = 0o644, to: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.mode, member.linkname = kind, mode, to
    return member


@pytest.mark.parametrize(
    "name, kind, to",
    [
        ("/etc/passwd", tarfile.REGTYPE, ""),
        ("bob/../../escape.py", tarfile.REGTYPE, ""),
        ("bob/out/x.py", tarfile.REGTYPE, ""),  # through the link bob/out
        ("bob/dev", tarfile.CHRTYPE, ""),
        ("bob/fifo", tarfile.FIFOTYPE, ""),
        ("bob/hard", tarfile.LNKTYPE, "/etc/shadow"),
        ("bob/hard", tarfile.LNKTYPE, "bob/out/x.py"),
    ],
)
def test_a_payload_member_outside_its_folder_or_of_another_kind_is_refused(name, kind, to):
    """Checked on every Python: Debian 12's 3.11.2 has no tarfile filters to do it."""
    with pytest.raises(ValueError, match="a payload member"):
        _extractable(_member(name, kind, to=to), {Path("bob/out")})


def test_a_folder_with_a_hard_linked_file_and_a_fifo_travels(tmp_path):
    """tarfile packs a second name of one file as a hard link to the first."""
    repo = tmp_path / "client" / "bob"
    shutil.copytree(SUBMISSIONS / "correct_package", repo)
    os.link(repo / "cs231n" / "layers.py", repo / "layers_copy.py")
    os.mkfifo(repo / "pipe")  # neither code nor a file: it stays behind
    unpacked = unpack(pack(Job("bob", repo, tmp_path / "bob.json")), tmp_path / "worker")
    assert (unpacked / "layers_copy.py").read_bytes() == (repo / "cs231n" / "layers.py").read_bytes()
    assert not (unpacked / "pipe").exists()


def test_a_payload_member_keeps_its_place_and_loses_its_special_mode_bits():
    member = _extractable(_member("bob/a.py", mode=0o6777), {Path("bob/out")})
    assert (member.name, member.mode) == ("bob/a.py", 0o755)
    assert _extractable(_member("bob/out", tarfile.SYMTYPE), {Path("bob/out")}).issym()
