r"""What a search returns (`Trial`, `Trials`), saved as JSON or CSV by the file's suffix.

JSON keeps everything as it is. CSV has one row per trial: `id, status, loss, duration,
error`, one `param:<name>` column per hyperparameter and a `curve` column; parameter cells
and the curve are JSON-encoded so numbers, strings and None come back with their type.
Floats are written with `repr`, so a load gives back bit-identical values. Non-finite curve
values are written as null. Files are replaced atomically: a search interrupted while
saving leaves the previous file intact.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Trial", "Trials", "load_trials", "save_trials"]


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
        "failed": the objective raised or returned a non-finite loss (`error` says which
        and where); "lost": the worker itself died or could not run the task (never saved,
        so a resumed search runs it again).
    error : str or None
        Exception and the last frames of its traceback.
    duration : float
        Seconds spent in the objective, measured where it ran.
    """

    id: int
    params: dict[str, Any]
    loss: float | None = None
    curve: list[tuple[int, float]] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None
    duration: float = 0.0


class Trials(list[Trial]):
    """The trials of a search, ordered by id. `interrupted` is True after Ctrl-C."""

    interrupted: bool = False

    @property
    def ok(self) -> list[Trial]:
        """The trials that finished with a finite loss."""
        return [t for t in self if t.status == "ok"]

    @property
    def best(self) -> Trial:
        """The successful trial with the lowest loss (the lowest id among ties)."""
        if not self.ok:
            raise ValueError("no trial finished successfully")
        return min(self.ok, key=lambda t: (t.loss, t.id))


_FIELDS = ["id", "status", "loss", "duration", "error"]


def _suffix(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".csv"):
        raise ValueError(f"path must end in .json or .csv, got {os.fspath(path)!r}")
    return suffix


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _record(t: Trial) -> dict:
    return {
        "id": t.id,
        "params": t.params,
        "loss": t.loss,
        "curve": [[s, _finite(v)] for s, v in t.curve],
        "status": t.status,
        "error": t.error,
        "duration": t.duration,
    }


def _trial(d: dict) -> Trial:
    curve = [(int(s), math.nan if v is None else float(v)) for s, v in d.get("curve", [])]
    loss = d.get("loss")
    return Trial(
        id=int(d["id"]),
        params=dict(d["params"]),
        loss=None if loss is None else float(loss),
        curve=curve,
        status=str(d.get("status", "ok")),
        error=d.get("error"),
        duration=float(d.get("duration", 0.0)),
    )


def save_trials(trials: Iterable[Trial], path: str | os.PathLike) -> None:
    r"""Write `trials` to `path` (`.json` or `.csv`), replacing the file atomically.

    Raises
    ------
    ValueError
        If the suffix is neither .json nor .csv.
    """
    suffix = _suffix(path)
    records = [_record(t) for t in trials]
    if suffix == ".json":
        text = json.dumps({"format": "dlbasics.trials", "version": 1, "trials": records}, indent=1)
    else:
        names = list(dict.fromkeys(k for r in records for k in r["params"]))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([*_FIELDS, *(f"param:{n}" for n in names), "curve"])
        for r in records:
            cells = ["" if r[k] is None else r[k] for k in _FIELDS]
            cells = [repr(c) if isinstance(c, float) else c for c in cells]
            params = [json.dumps(r["params"][n]) if n in r["params"] else "" for n in names]
            writer.writerow([*cells, *params, json.dumps(r["curve"])])
        text = buf.getvalue()
    tmp = Path(f"{os.fspath(path)}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_trials(path: str | os.PathLike) -> list[Trial]:
    r"""Read trials written by `save_trials`, ordered by id.

    Raises
    ------
    ValueError
        If the suffix is neither .json nor .csv, or the file is not a trials file.
    """
    suffix = _suffix(path)
    text = Path(path).read_text(encoding="utf-8")
    if suffix == ".json":
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != "dlbasics.trials":
            raise ValueError(f"{os.fspath(path)!r} is not a dlbasics trials file")
        records = data["trials"]
    else:
        records = []
        for row in csv.DictReader(io.StringIO(text)):
            if "id" not in row or "curve" not in row:
                raise ValueError(f"{os.fspath(path)!r} is not a dlbasics trials file")
            params = {
                k[len("param:") :]: json.loads(v)
                for k, v in row.items()
                if k.startswith("param:") and v != ""
            }
            records.append(
                {
                    "id": row["id"],
                    "params": params,
                    "loss": float(row["loss"]) if row["loss"] else None,
                    "curve": json.loads(row["curve"]),
                    "status": row["status"],
                    "error": row["error"] or None,
                    "duration": float(row["duration"] or 0.0),
                }
            )
    return sorted((_trial(r) for r in records), key=lambda t: t.id)
