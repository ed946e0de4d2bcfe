r"""What a search returns (`Trial`, `Trials`), and the file that keeps it (`.json` or `.csv`).

`save_trials` and `load_trials` write and read a results file (the format is described in
`dlbasics.trialfile`). A search with `path=` keeps a `TrialLog`: it records each finished
trial exactly once and saves it at once, so nothing finished is lost to Ctrl-C or a crash.
A search that trains a trial on several budgets (`successive_halving`) records one `Trial`
per budget: a record is identified by its id and its budget.

Several processes may share one file (two searches splitting the trial ids, say): every save
takes a lock (`<path>.lock`, left beside the file), merges with what the file already holds,
and replaces the file atomically, so each writer's trials are kept and a reader never sees a
half-written file. A file that was cut short or damaged by hand raises a ValueError naming
the file and the line; `load_trials(path, recover=True)` returns the intact trials.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlbasics import trialfile
from dlbasics._validate import is_int, is_real

__all__ = [
    "Trial",
    "TrialLog",
    "Trials",
    "check_results_path",
    "check_same_search",
    "load_trials",
    "save_trials",
]


@dataclass
class Trial:
    r"""One evaluated point of a search.

    Attributes
    ----------
    id : int
        Trial id: its position in the search, and the key of its random stream.
    params : dict
        The hyperparameters it was given.
    loss : float or None
        What the objective returned; None unless `status` is "ok".
    curve : list of (int, float)
        The `(step, value)` pairs the objective reported, kept even when it failed.
    status : {"ok", "failed", "lost"}
        "failed": the objective raised, exited, returned something other than a finite real
        number, or its worker process died (`error` says which and where); "lost": the
        executor failed before the trial could finish, e.g. a broken
        `ProcessPoolExecutor` of yours (never saved, so a resumed search runs it again).
    error : str or None
        Exception and the last frames of its traceback.
    duration : float
        Seconds spent in the objective, measured where it ran.
    budget : int or None
        The budget (epochs) it was trained with, in a search that gives each trial several
        (`successive_halving`, `population_based_training`); None in a random search.
    """

    id: int
    params: dict[str, Any]
    loss: float | None = None
    curve: list[tuple[int, float]] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None
    duration: float = 0.0
    budget: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        """`(id, budget)`, what identifies a record (budget 0 when it has none)."""
        return (self.id, 0 if self.budget is None else self.budget)


class Trials(list[Trial]):
    """The trials of a search, ordered by id (then budget). `interrupted` is True after Ctrl-C."""

    interrupted: bool = False

    @property
    def ok(self) -> list[Trial]:
        """The trials that finished with a finite loss."""
        return [t for t in self if t.status == "ok"]

    @property
    def best(self) -> Trial:
        """The successful trial with the lowest loss (the lowest id among ties).

        When trials carry budgets, the best among those with the highest budget that any
        successful trial reached: a loss after 3 epochs does not compete with one after 27.
        """
        if not self.ok:
            raise ValueError("no trial finished successfully")
        top = max(t.key[1] for t in self.ok)
        return min((t for t in self.ok if t.key[1] == top), key=lambda t: (t.loss, t.id))


def check_results_path(path: Any) -> Path:
    """`path` as a Path, refusing a suffix other than .json/.csv or a missing directory.

    Raises
    ------
    TypeError
        If `path` is not a str or path-like.
    ValueError
        If the suffix is wrong, the directory does not exist, or `path` is a directory.
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike, got {path!r}")
    p = Path(path)
    if p.suffix.lower() not in (".json", ".csv"):
        raise ValueError(f"path must end in .json or .csv, got {os.fspath(path)!r}")
    if not p.parent.is_dir():
        raise ValueError(
            f"path {os.fspath(path)!r}: the directory {str(p.parent)!r} does not exist"
        )
    if p.is_dir():
        raise ValueError(f"path {os.fspath(path)!r} is a directory, not a results file")
    return p


def _num(v: Any) -> Any:
    """NumPy numbers as Python ones (JSON's); anything else as is, for `check_record`."""
    if type(v) in (int, float) or not is_real(v):
        return v
    return int(v) if is_int(v) else float(v)


def _record(t: Trial) -> dict[str, Any]:
    """`t` as the record a file holds, params encoded; a ValueError if a file cannot hold it."""
    if t.status == "lost":
        raise ValueError(
            f"trial {t.id} is 'lost' (its executor failed): it is not saved, so that a resumed "
            "search runs it again"
        )
    trialfile.check_saveable(t.params, f"trial {t.id}")
    record = {
        "id": _num(t.id),
        "params": {k: trialfile.encode(v) for k, v in t.params.items()},
        "loss": _num(t.loss),
        "curve": [[_num(s), _num(v) if math.isfinite(v) else None] for s, v in t.curve],
        "status": t.status,
        "error": t.error,
        "duration": _num(t.duration),
    }
    if t.budget is not None:
        record["budget"] = _num(t.budget)
    try:
        return trialfile.check_record(record)
    except ValueError as exc:
        raise ValueError(f"cannot save trial {t.id}: {exc}") from None


def _write(path: Path, records: Iterable[dict[str, Any]]) -> None:
    ordered = sorted(records, key=lambda r: (r["id"], r.get("budget", 0)))
    if not ordered and path.suffix.lower() == ".csv":
        raise ValueError(f"no trials to save to {str(path)!r}: a CSV file needs one")
    trialfile.write_atomic(path, trialfile.to_text(ordered, path.suffix.lower()))


def _trial(d: dict[str, Any]) -> Trial:
    return Trial(
        id=int(d["id"]),
        params=dict(d["params"]),
        loss=None if d.get("loss") is None else float(d["loss"]),
        curve=[(int(s), math.nan if v is None else float(v)) for s, v in d.get("curve", [])],
        status=str(d["status"]),
        error=d.get("error"),
        duration=float(d.get("duration", 0.0)),
        budget=None if d.get("budget") is None else int(d["budget"]),
    )


def save_trials(trials: Iterable[Trial], path: str | os.PathLike, *, merge: bool = False) -> None:
    r"""Write `trials` to `path` (`.json` or `.csv`), replacing the file atomically.

    Parameters
    ----------
    trials : iterable of Trial
        At most one trial per id (per id and budget); none of them "lost".
    path : str or path-like
        The file; its directory must exist.
    merge : bool, default=False
        Keep the trials the file already holds and add those of `trials` whose ids it does
        not hold (what a search does after each trial). False replaces the file's content.

    Raises
    ------
    ValueError
        If the suffix is neither .json nor .csv, the directory does not exist, two trials
        share an id, a trial is "lost", `trials` is empty and the suffix is .csv (a CSV file
        needs a row to say how many rows it has), or `merge=True` finds the file damaged.
    TypeError
        If a parameter value cannot be saved (the message names the trial and the parameter).
    """
    p = check_results_path(path)
    mine = list(trials)
    keys = [t.key for t in mine]
    if len(set(keys)) != len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        what = [i for i, b in twice] if not any(b for _, b in twice) else twice
        raise ValueError(
            f"trials must have distinct ids (distinct (id, budget) pairs); {what} appear more "
            "than once"
        )
    records = {t.key: _record(t) for t in mine}
    with trialfile.locked(p):
        if merge and p.exists():
            records |= {t.key: _record(t) for t in load_trials(p)}  # the file's trials first
        _write(p, records.values())


def load_trials(path: str | os.PathLike, *, recover: bool = False) -> list[Trial]:
    r"""Read the trials of a results file written by `save_trials`, ordered by id.

    Parameters
    ----------
    path : str or path-like
        A `.json` or `.csv` results file.
    recover : bool, default=False
        Return the intact trials of a damaged file, with a warning naming each damaged line,
        instead of raising. Save them with `save_trials` to repair the file.

    Raises
    ------
    ValueError
        If the suffix is neither .json nor .csv, the file is not a trials file, or (unless
        `recover`) it is damaged: cut short, a line or cell that cannot be read, an "ok" trial
        without a finite loss, two trials with one id. The message names the file and the line.
    """
    p = check_results_path(path)
    where = os.fspath(path)
    found: dict[tuple[int, int], Trial] = {}
    damage: list[str] = []
    for place, item in trialfile.records(p.read_text(encoding="utf-8"), p.suffix.lower(), where):
        try:
            if isinstance(item, Exception):
                raise item
            trial = _trial(trialfile.check_record(item))
            if trial.key in found:
                raise ValueError(f"{_name(trial.key)} appears twice: ids must be unique")
        except ValueError as exc:
            if not recover:
                raise ValueError(
                    f"{where!r} is damaged at {place}: {exc}. load_trials(path, recover=True) "
                    "returns the intact trials; save_trials(them, path) repairs the file."
                ) from None
            damage.append(f"{place} ({exc})")
            continue
        found[trial.key] = trial
    if damage:
        warnings.warn(
            f"{where!r}: recovered {len(found)} intact trials, skipped damage at "
            + "; ".join(damage),
            UserWarning,
            stacklevel=2,
        )
    return sorted(found.values(), key=lambda t: t.key)


def _name(key: tuple[int, int]) -> str:
    return f"trial id {key[0]}" + (f" at budget {key[1]}" if key[1] else "")


class TrialLog:
    r"""The trials of one search recorded so far, each exactly once, saved as they arrive.

    `TrialLog(path)` reads the trials a file already holds (none if it does not exist yet;
    None keeps them in memory only). `record(trial)` keeps a trial whose id is new and
    saves it at once, merged with what other writers added to the file meanwhile; "lost"
    trials are not kept. A record is identified by its `key`, `(id, budget)`: `log[3]` and
    `3 in log` look up trial 3 without a budget, `log[3, 9]` trial 3 at budget 9.

    Raises
    ------
    ValueError, TypeError
        As `check_results_path` and `load_trials`: refused before any trial runs.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = None if path is None else check_results_path(path)
        self._trials: dict[tuple[int, int], Trial] = {}
        self._records: dict[tuple[int, int], dict[str, Any]] = {}  # the file's, ready to write
        self._stamp: tuple[int, ...] | None = None  # the file as this log last saw it
        if self.path is not None:
            with trialfile.locked(self.path):  # creates the lock file: can we write here?
                self._read_others()
            self._trials = {k: _trial(r) for k, r in self._records.items()}

    def __contains__(self, key: object) -> bool:
        return _as_key(key) in self._trials

    def __getitem__(self, key: int | tuple[int, int]) -> Trial:
        return self._trials[(key, 0) if isinstance(key, int) else key]

    def __iter__(self) -> Iterator[Trial]:
        return iter(sorted(self._trials.values(), key=lambda t: t.key))

    def __len__(self) -> int:
        return len(self._trials)

    def record(self, trial: Trial) -> bool:
        """Keep `trial` (and save it) unless its key is already recorded or it is "lost"."""
        if trial.status == "lost" or trial.key in self._trials:
            return False
        if self.path is not None:
            record = _record(trial)
            with trialfile.locked(self.path):
                self._read_others()
                self._records.setdefault(trial.key, record)  # another writer's comes first
                _write(self.path, self._records.values())
                self._stamp = _stamp(self.path)
        self._trials[trial.key] = trial
        return True

    def _read_others(self) -> None:
        """Add the records other writers saved since this log last wrote (under the lock)."""
        assert self.path is not None
        stamp = _stamp(self.path)
        if stamp is not None and stamp != self._stamp:
            for t in load_trials(self.path):
                self._records.setdefault(t.key, _record(t))
            self._stamp = stamp


def _as_key(key: object) -> object:
    return (key, 0) if is_int(key) else key


def check_same_search(log: TrialLog, params: list[dict[str, Any]], path: Any) -> None:
    """Refuse a file whose trials have other parameters than this search gives them.

    `params[i]` is what this search gives trial `i`; a ValueError names the first mismatch.
    """
    for t in log:
        if t.id < len(params) and _params_key(t.params) != _params_key(params[t.id]):
            raise ValueError(
                f"{os.fspath(path)!r} holds trial {t.id} with params {t.params}, but this "
                f"search gives {params[t.id]}: a different seed or space? Use a new path."
            )


def _params_key(params: dict[str, Any]) -> str:
    try:
        return json.dumps({k: trialfile.encode(v) for k, v in params.items()}, sort_keys=True)
    except TypeError:
        return repr(params)


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What changes whenever the file is replaced (each save writes a new file)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)
