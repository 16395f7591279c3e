"""What a run records about where it came from: the script, its git commit, the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SOURCE_NAME_TAG = "mlledger.source.name"
SOURCE_TYPE_TAG = "mlledger.source.type"
GIT_COMMIT_TAG = "mlledger.source.git.commit"
USER_TAG = "mlledger.user"


def source_tags(user: str) -> dict[str, str]:
    """Tags naming the running script, its git commit (when in a git repository) and the user."""
    script = _script_path()
    tags = {SOURCE_NAME_TAG: str(script) if script else "<interactive>", SOURCE_TYPE_TAG: "LOCAL", USER_TAG: user}
    commit = git_commit(script.parent if script else Path.cwd())
    if commit:
        tags[GIT_COMMIT_TAG] = commit
    return tags


def _script_path() -> Path | None:
    argv0 = sys.argv[0] if sys.argv else ""
    if not argv0 or argv0 in ("-c", "-m"):
        return None
    return Path(argv0).resolve()


def git_commit(start: Path) -> str | None:
    """The commit HEAD points at in the repository containing `start`, or None; never raises."""
    try:
        git_dir = _find_git_dir(start)
        if git_dir is None:
            return None
        return _read_head(git_dir) or _ask_git(start)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _find_git_dir(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: ".git" names the real directory
            text = candidate.read_text().strip()
            if text.startswith("gitdir:"):
                return (directory / text[len("gitdir:"):].strip()).resolve()
    return None


def _read_head(git_dir: Path) -> str | None:
    head = (git_dir / "HEAD").read_text().strip()
    if not head.startswith("ref:"):
        return head if _is_sha(head) else None
    ref = head[len("ref:"):].strip()
    common = git_dir
    if (git_dir / "commondir").is_file():  # worktrees keep branch refs in the main repository
        common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
    for base in (git_dir, common):
        if (base / ref).is_file():
            sha = (base / ref).read_text().strip()
            return sha if _is_sha(sha) else None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref and _is_sha(parts[0]):
                return parts[0]
    return None


def _ask_git(start: Path) -> str | None:
    """Fall back to the git program for layouts the direct read does not know."""
    try:
        result = subprocess.run(["git", "-C", str(start), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=2, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and _is_sha(sha) else None


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(char in "0123456789abcdef" for char in text)
