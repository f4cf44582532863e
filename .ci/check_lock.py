"""Fail clearly when pyproject.toml and the lock files disagree (a dependency added without `make lock`).

Every requirement of pyproject.toml (runtime in requirements.txt; runtime and the dev extra in
requirements-dev.txt) must be pinned in the lock, at a version its specifier accepts, and every
pin must carry hashes. Run by `make test` before anything is installed.
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # a fresh venv has no packaging yet, but pip carries one (the check runs before installing)
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, tuple[str, bool]]:
    """{name: (version, has hashes)} of a pip-compile lock file."""
    found: dict[str, tuple[str, bool]] = {}
    current = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (match.group(2), "--hash=sha256:" in line)
        elif current and "--hash=sha256:" in line:
            found[current] = (found[current][0], True)
    return found


def problems(requirements: list[str], lock: Path) -> list[str]:
    if not lock.exists():
        return [f"falta {lock.name}"]
    pinned = pins(lock)
    found = []
    for raw in requirements:
        requirement = Requirement(raw)
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            found.append(f"{lock.name}: {requirement.name} está en pyproject.toml pero no en el lock")
        elif not requirement.specifier.contains(pinned[name][0], prereleases=True):
            found.append(f"{lock.name}: pyproject.toml pide {raw}, el lock fija {pinned[name][0]}")
    found += [f"{lock.name}: {name} no tiene hashes" for name, (_, hashed) in pinned.items() if not hashed]
    return found


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = project["dependencies"]
    dev = project.get("optional-dependencies", {}).get("dev", [])
    found = problems(runtime, ROOT / "requirements.txt") + problems(runtime + dev, ROOT / "requirements-dev.txt")
    if found:
        print("pyproject.toml y los archivos de bloqueo no coinciden:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        print("Regenérelos con `make lock` y confirme requirements*.txt junto con pyproject.toml.", file=sys.stderr)
        return 1
    print("Dependencias bloqueadas: pyproject.toml y requirements*.txt coinciden.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
