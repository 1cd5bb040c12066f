"""Finding a scenario file: built-in names, a name or a path resolved to a file, and reading its text.

Anything that is not a regular file (a folder, a named pipe, a device, a socket, a symbolic link
that loops or points nowhere) is refused by what it is, before it is opened: opening a pipe would
block, and reading a device such as /dev/zero would never end.
"""

from __future__ import annotations

from collections.abc import Callable

import errno
import os
import stat
from importlib import resources
from pathlib import Path

from stakesim.scenarios.errors import ScenarioError
from stakesim.scenarios.wording import clip, clip_path, did_you_mean

BUILTIN_PACKAGE = "stakesim.scenarios.builtin"
MAX_FILE_BYTES = 10 * 1024 * 1024  # a scenario is a few kilobytes; this is far beyond any real one


def builtin_names() -> list[str]:
    """The built-in scenarios' names, sorted."""
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """The file of a built-in scenario (it need not exist: check the name with ``builtin_names``)."""
    return Path(str(resources.files(BUILTIN_PACKAGE) / f"{name}.yaml"))


def _allowed(names: list[str]) -> str:
    return f"give the path to a .yaml file or a built-in scenario name ({', '.join(names)})"


def file_kind(path: Path) -> str:
    """What is at ``path``: 'file', 'folder', 'missing', or the words for anything else found there."""
    try:
        info = os.stat(path)
    except ValueError:  # a NUL character in the path
        return "a path with a NUL character, which no file can have"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (a link that leads back to itself)"
        if exc.errno == errno.ENAMETOOLONG:
            return "a path too long for the file system"
        if exc.errno == errno.EACCES:
            return "in a folder you may not read (permission denied)"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            try:
                os.lstat(path)
            except (OSError, ValueError):
                return "missing"
            return "a symbolic link to a file that does not exist"
        return f"unreadable ({exc.strerror})"
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def resolve_path(name_or_path: str | Path) -> Path:
    """A built-in scenario's name, or a path to a YAML file (an existing file wins over a name)."""
    return resolve_file(name_or_path, builtin_names(), builtin_path, "scenario")


def resolve_file(name_or_path: str | Path, names: list[str], builtin: Callable[[str], Path],
                 what: str) -> Path:
    """A built-in ``what``'s name (one of ``names``, found by ``builtin``) or a path to a YAML file.

    An existing file wins over a name; anything else is a ScenarioError that says what the path
    is (a folder, a device, a FIFO, missing) or which name was probably meant.
    """
    text = str(name_or_path)
    allowed = (f"give the path to a .yaml file or a built-in {what} name ({', '.join(names)})")
    if not text.strip():
        raise ScenarioError(f"no {what} given (the name is empty); {allowed}")
    candidate = Path(text)
    kind = file_kind(candidate)
    if kind == "file":
        return candidate
    if text in names:
        return builtin(text)
    shown = clip_path(candidate)
    if kind == "folder":
        raise ScenarioError(f"{shown}: is a folder, not {'an' if what[0] in 'aeiou' else 'a'} {what} file; "
                            f"{allowed}")
    if kind != "missing":
        raise ScenarioError(f"{shown}: is {kind}; {allowed}")
    if candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1:
        raise ScenarioError(f"{shown}: no such {what} file; {allowed}")
    raise ScenarioError(f"'{clip(text)}' is neither {'an' if what[0] in 'aeiou' else 'a'} {what} file nor a "
                        f"built-in {what}{did_you_mean(text, names)}; {allowed}")


def read_text(path: Path) -> str:
    """The text of a scenario file; a special file, an unreadable or a huge file is a ScenarioError."""
    shown = clip_path(path)
    kind = file_kind(Path(path))
    if kind == "folder":
        raise ScenarioError(f"{shown}: is a folder, not a scenario file")
    if kind == "missing":
        raise ScenarioError(f"{shown}: no such scenario file")
    if kind != "file":
        raise ScenarioError(f"{shown}: is {kind}; a scenario is a YAML text file")
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # replaced since the check
                raise ScenarioError(f"{shown}: is not a regular file; a scenario is a YAML text file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{shown}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
                            f"a scenario file is a small YAML text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{shown}: not a UTF-8 text file; a scenario is a YAML text file") from None
