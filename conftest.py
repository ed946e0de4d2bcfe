"""Project-wide pytest setup.

- Every code block of docs/**/*.md is a test item (see tests/mdsnippets.py).
- `strict_site`: the site, strictly built once, shared by the build test and the browser tests.
"""

import os
from pathlib import Path

# One BLAS thread, as in the site build (scripts/build_checks.py): set before NumPy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from mdsnippets import collector  # noqa: E402
from sitetools import Build, StrictSite, build_sites, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent

# Property tests draw the same examples on every run, so a failure is reproducible and CI
# cannot turn red by chance; HYPOTHESIS_PROFILE=explore draws new ones each run.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

pytest_plugins = ["pytester"]
pytest_collect_file = collector(docs=ROOT / "docs", root=ROOT)


@pytest.fixture(scope="session")
def strict_site(tmp_path_factory: pytest.TempPathFactory) -> StrictSite:
    # site_url must be the origin the browser tests serve it on, so the port is chosen now.
    site = StrictSite(tmp_path_factory.mktemp("site"), free_port())
    build_sites(Build(ROOT / "mkdocs.yml", site.path, site.url))
    return site
