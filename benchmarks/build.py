"""Time a cold strict build of the site and the pytest stage of `make test`.

A benchmark, not a test: it prints figures and asserts nothing. Run from the repository
root with `make bench` or `.venv/bin/python benchmarks/build.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    return time.perf_counter() - start


def cold_build(out: Path) -> float:
    # A fresh interpreter and no previous output: nothing imported or cached.
    shutil.rmtree(out, ignore_errors=True)
    return timed(
        [str(BIN / "mkdocs"), "build", "--strict", "-d", str(out)],
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--skip-pytest", action="store_true", help="time only the build")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        builds = [cold_build(Path(tmp) / "site") for _ in range(args.repeat)]
    print(
        f"mkdocs build --strict (cold): median {statistics.median(builds):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in builds)})"
    )
    if not args.skip_pytest:
        runs = [timed([sys.executable, "-m", "pytest", "-q"]) for _ in range(args.repeat)]
        print(
            f"pytest stage of make test: median {statistics.median(runs):.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in runs)})"
        )


if __name__ == "__main__":
    main()
