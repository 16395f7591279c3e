"""Projects from git: a local repository by URL, at a commit, branch or tag, with a subdirectory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.projects.conftest import only_run, runs_of

MLPROJECT = "name: versioned\nentry_points:\n  main:\n    command: \"cat version.txt\"\n"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin",
                               "HOME": str(repo)}).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository with two commits of a project in `sub/`: version one (tagged v1) and version two."""
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "sub" / "MLproject").write_text(MLPROJECT)
    (repo / "sub" / "version.txt").write_text("VERSION one\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "one")
    _git(repo, "tag", "v1")
    first = _git(repo, "rev-parse", "HEAD")
    (repo / "sub" / "version.txt").write_text("VERSION two\n")
    _git(repo, "commit", "-q", "-am", "two")
    return repo, first, _git(repo, "rev-parse", "HEAD")


def test_a_git_project_at_a_commit_records_that_commit(repo, run_cli, client, experiment_name):
    """`--version <commit>` runs that commit's files and the run records the URL, the commit and a clean tree."""
    path, first, _ = repo
    url = f"file://{path}"
    result = run_cli(f"{url}#sub", "--version", first)
    assert result.returncode == 0, result.stderr
    assert "VERSION one" in result.stdout
    tags = only_run(client, experiment_name).data.tags
    assert tags["mlflow.source.git.commit"] == tags["mlledger.source.git.commit"] == first
    assert tags["mlflow.source.git.repoURL"] == tags["mlledger.source.git.repoURL"] == url
    assert tags["mlledger.source.git.dirty"] == "false"
    assert tags["mlledger.project.name"] == "versioned"


@pytest.mark.parametrize(("version", "expected"), [(None, "two"), ("v1", "one"), ("main", "two")])
def test_branches_tags_and_the_default_head(repo, run_cli, client, experiment_name, version, expected):
    """A tag or branch name selects that revision; without --version the default branch's head runs."""
    path, first, second = repo
    result = run_cli(f"file://{path}#sub", *(["--version", version] if version else []))
    assert result.returncode == 0, result.stderr
    assert f"VERSION {expected}" in result.stdout
    tags = only_run(client, experiment_name).data.tags
    assert tags["mlledger.source.git.commit"] == (first if expected == "one" else second)
    if version == "main":
        assert tags["mlflow.source.git.branch"] == "main"


def test_an_unknown_version_is_refused_before_a_run_exists(repo, run_cli, client, experiment_name):
    """A version that is no commit, branch or tag is named in the refusal."""
    path, _, _ = repo
    result = run_cli(f"file://{path}#sub", "--version", "no-such-ref")
    assert result.returncode != 0
    assert "'no-such-ref' is not a commit, branch or tag" in result.stderr
    assert runs_of(client, experiment_name) == []


def test_a_local_checkout_records_its_commit_and_dirty_flag(repo, run_cli, client, experiment_name):
    """A local directory inside a repository is run in place; an uncommitted change marks it dirty."""
    path, _, second = repo
    (path / "sub" / "version.txt").write_text("VERSION edited\n")
    result = run_cli(str(path / "sub"))
    assert result.returncode == 0, result.stderr
    assert "VERSION edited" in result.stdout
    tags = only_run(client, experiment_name).data.tags
    assert tags["mlledger.source.git.commit"] == second
    assert tags["mlledger.source.git.dirty"] == "true"
