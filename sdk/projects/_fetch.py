"""Getting a project's files: a local directory in place, or a git repository cloned at a version.

    ./my-project                          a local directory (git facts read from it when it is in a repository)
    https://host/org/repo.git#sub/dir     a git URL, optionally with a subdirectory after `#`
    file:///srv/repos/project             a local git repository, cloned like a remote one
    --version <commit|branch|tag>         which revision of a git project to run
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from mlledger.projects._errors import ExecutionError, ProjectSpecError

_GIT_PREFIXES = ("git@", "git+", "git://", "ssh://", "http://", "https://", "file://")


@dataclass
class Source:
    """Where a project's files are now, and where they came from."""

    directory: Path
    uri: str
    git_url: str | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    dirty: bool | None = None
    #: A temporary clone to remove when the run is over.
    clone: Path | None = None

    def remove_clone(self) -> None:
        if self.clone is not None:
            shutil.rmtree(self.clone, ignore_errors=True)
            self.clone = None


def split_subdirectory(uri: str) -> tuple[str, str]:
    """"repo#sub/dir" -> ("repo", "sub/dir"); a subdirectory may not climb out of the project."""
    base, _, sub = uri.strip("'\"").partition("#")
    sub = sub.strip("/")
    if sub and (os.path.isabs(sub) or ".." in Path(sub).parts):
        raise ProjectSpecError(uri, None, f"subdirectory {sub!r} must stay inside the project")
    return base, sub


def fetch(uri: str, version: str | None = None) -> Source:
    """Make the project at `uri` available locally (cloning git URLs) and record where it came from."""
    base, sub = split_subdirectory(uri)
    local = _local_path(base)
    if local is not None and local.is_dir() and version is None and not base.startswith("file://"):
        return _in_place(uri, local, sub)
    if local is not None and local.is_dir() and not _git(["rev-parse", "--git-dir"], local, check=False):
        if version is not None:
            raise ExecutionError(f"--version needs a git project, and {base!r} is not a git repository")
        return _in_place(uri, local, sub)
    if local is None and not base.startswith(_GIT_PREFIXES) and not base.endswith(".git"):
        raise ExecutionError(f"{base!r} is neither a local directory nor a git URL")
    return _clone(uri, base[len("git+"):] if base.startswith("git+") else base, sub, version)


def _local_path(base: str) -> Path | None:
    if base.startswith("file://"):
        parsed = urlparse(base)
        return Path(unquote(parsed.netloc + parsed.path))
    if base.startswith(_GIT_PREFIXES) or base.endswith(".git") and not Path(base).exists():
        return None
    return Path(base).expanduser()


def _in_place(uri: str, root: Path, sub: str) -> Source:
    root = root.resolve()
    directory = _subdirectory(root, sub)
    source = Source(directory, uri)
    top = _git(["rev-parse", "--show-toplevel"], directory, check=False)
    if top:
        source.git_commit = _git(["rev-parse", "HEAD"], directory, check=False) or None
        source.git_url = _git(["config", "--get", "remote.origin.url"], directory, check=False) or top
        source.git_branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], directory, check=False) or None
        status = _git(["status", "--porcelain", "--untracked-files=no", "--", "."], directory, check=False)
        source.dirty = bool(status)
    return source


def _clone(uri: str, url: str, sub: str, version: str | None) -> Source:
    clone = Path(tempfile.mkdtemp(prefix="mlledger-project-"))
    try:
        _git(["clone", "--quiet", "--no-checkout", url, str(clone)], None)
        ref = version or "HEAD"
        try:
            _git(["-c", "advice.detachedHead=false", "checkout", "--quiet", ref], clone)
        except ExecutionError as exc:
            raise ExecutionError(f"version {ref!r} is not a commit, branch or tag of {url}: {exc}") from None
        _git(["submodule", "update", "--init", "--recursive", "--quiet"], clone, check=False)
        source = Source(_subdirectory(clone, sub), uri, git_url=url, dirty=False, clone=clone)
        source.git_commit = _git(["rev-parse", "HEAD"], clone)
        if version and _git(["rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{version}"], clone, check=False):
            source.git_branch = version
        return source
    except BaseException:
        shutil.rmtree(clone, ignore_errors=True)
        raise


def _subdirectory(root: Path, sub: str) -> Path:
    directory = (root / sub).resolve() if sub else root
    if not directory.is_dir():
        raise ExecutionError(f"the project has no subdirectory {sub!r}")
    return directory


def _git(args: list[str], cwd: Path | None, *, check: bool = True) -> str:
    """Run git and return its output; a failure raises ExecutionError (or returns "" when not `check`)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        if check:
            raise ExecutionError(f"git could not be run: {exc}") from exc
        return ""
    if result.returncode != 0:
        if check:
            raise ExecutionError(result.stderr.strip() or f"git {args[0]} failed with exit code {result.returncode}")
        return ""
    return result.stdout.strip()
