"""Finding the git commit a run's script comes from, by reading the repository directly."""

from __future__ import annotations

import subprocess

import pytest

from mlledger._run_source import git_commit


def _git(cwd, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "HOME": str(cwd), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repository(tmp_path):
    """A git repository with one commit and a nested source folder."""
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('hi')\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def test_commit_of_a_branch_is_read_from_a_subfolder(repository):
    """From a folder inside the repository, the commit is HEAD's, as git itself reports it."""
    assert git_commit(repository / "src") == _git(repository, "rev-parse", "HEAD")


def test_commit_is_found_in_packed_refs(repository):
    """After `git pack-refs` the branch ref lives only in packed-refs, and is still found."""
    _git(repository, "pack-refs", "--all")
    assert not (repository / ".git" / "refs" / "heads" / "main").exists()
    assert git_commit(repository) == _git(repository, "rev-parse", "HEAD")


def test_detached_head_and_no_repository(repository, tmp_path_factory):
    """A detached HEAD gives its commit; a folder outside any repository gives None."""
    sha = _git(repository, "rev-parse", "HEAD")
    _git(repository, "checkout", "-q", "--detach")
    assert git_commit(repository) == sha
    assert git_commit(tmp_path_factory.mktemp("plain")) is None
