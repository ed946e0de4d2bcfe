"""Serving the site for the browser tests: page list, strict build, server subprocesses.

Plain functions (no fixtures) so the site tests, the checker's self-test and conftest share them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[1]
# mkdocs-material prints a banner about MkDocs 2 unless told not to: keep the logs readable.
QUIET_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/lib/chromium/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVERS = ("static", "serve")


def page_urls(docs: Path = DOCS) -> list[str]:
    """Site-relative URL of every Markdown page: index.md -> "", a/b.md -> "a/b/"."""
    urls = []
    for md in sorted(docs.rglob("*.md")):
        parts = list(md.relative_to(docs).with_suffix("").parts)
        if parts[-1] in ("index", "README"):
            parts.pop()
        urls.append("".join(f"{p}/" for p in parts))
    return urls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A server subprocess with its output in a log file; stopped by its handle."""

    def __init__(self, name: str, args: list[str], log: Path, env: Mapping[str, str]) -> None:
        self.name = name
        self.log_path = log
        self._log: IO[str] = log.open("w")
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def wait_until_answering(self, url: str, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                pytest.fail(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"{self.name} did not answer {url} within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()


@dataclass(frozen=True)
class Build:
    """One `mkdocs build --strict -d site_dir` of the project whose config file is `config`."""

    config: Path
    site_dir: Path
    site_url: str


# The strict build is served under a path, as on GitHub Pages (https://owner.github.io/name/):
# every link and asset must work below the server's root. `mkdocs serve` covers the root.
SUBPATH = "dlbasics/"


@dataclass(frozen=True)
class StrictSite:
    """`mkdocs build --strict` output in `path`, built for http://127.0.0.1:`port`/dlbasics/ and
    served from `root` (its parent)."""

    root: Path
    port: int

    @property
    def path(self) -> Path:
        return self.root / SUBPATH

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{SUBPATH}"


def build_sites(*builds: Build) -> None:
    """Run the builds concurrently (never -q); fail with the log of any that errs or warns."""
    failures = []
    with contextlib.ExitStack() as stack:
        runs = []
        for build in builds:
            log = stack.enter_context(tempfile.TemporaryFile("w+"))
            args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(build.config)]
            args += ["-d", str(build.site_dir)]
            proc = subprocess.Popen(
                args, cwd=build.config.parent, env={**QUIET_ENV, "SITE_URL": build.site_url},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            runs.append((build, stack.enter_context(proc), log))
        for build, proc, log in runs:
            returncode = proc.wait()
            log.seek(0)
            output = log.read()
            warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
            if returncode != 0 or warnings:
                failures.append(f"mkdocs build --strict -f {build.config} (exit {returncode}):")
                failures.append(output)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


def serve_directory(root: Path, port: int, log: Path, path: str = "") -> Server:
    """`python -m http.server` for `root`; returns once http://127.0.0.1:port/`path` answers."""
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    args += ["--directory", str(root)]
    server = Server(f"http.server for {root}", args, log, QUIET_ENV)
    server.wait_until_answering(f"http://127.0.0.1:{port}/{path}")
    return server
