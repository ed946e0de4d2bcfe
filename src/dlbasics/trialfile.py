r"""The results file: trials as text, one trial per line (JSON) or per row (CSV), and back.

JSON holds `{"format": "dlbasics.trials", "version": 2, "trials": [...]}` with each trial on
a line of its own. CSV has one row per trial: `id, status, loss, duration, error`, one
`param:<name>` column per hyperparameter, `rows_in_file` and `curve`; parameter cells and the
curve are JSON. A trial trained on a budget (`successive_halving`) has a `budget` too: a key
of its JSON record, a `budget` column after `error` in CSV (present only when some trial has
a budget, so files of a random search are unchanged). Floats are written with `repr`, so
they come back bit for bit; non-finite curve values are written as null.

Parameter values are kept with their type: None, bool, int, float, str, lists, dicts with
string keys, and two tagged forms, `{"$tuple": [...]}` for a tuple and
`{"$numpy": [dtype, value]}` for a NumPy scalar. Anything else cannot be saved, and
`check_saveable` says so before a search starts.

A file that was cut short or edited by hand is never read as fewer trials: JSON must end
with its closing `]}`, and every CSV row repeats how many rows the file holds.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "check_record",
    "check_saveable",
    "decode",
    "encode",
    "locked",
    "records",
    "to_text",
    "write_atomic",
]

_HEAD = '{"format": "dlbasics.trials", "version": 2, "trials": ['
_FOOT = "]}"
_FIELDS = ["id", "status", "loss", "duration", "error"]
_NUMBER = (int, float, type(None))  # a curve value, as JSON gives it
SAVEABLE = (
    "None, bool, int, float, str, NumPy scalars, and lists, tuples and dicts (string keys) of these"
)


# --- parameter values --------------------------------------------------------------------------


def encode(v: Any) -> Any:
    """`v` as plain JSON data, tuples and NumPy scalars tagged; a TypeError if it cannot be."""
    if isinstance(v, np.generic) and v.dtype.kind in "biufU":
        return {"$numpy": [v.dtype.name, v.item()]}
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise TypeError(f"a results file holds finite floats only, got {v!r}")
        return v
    if isinstance(v, tuple):
        return {"$tuple": [encode(x) for x in v]}
    if isinstance(v, list):
        return [encode(x) for x in v]
    if isinstance(v, dict) and all(isinstance(k, str) for k in v):
        return {k: encode(x) for k, x in v.items()}
    raise TypeError(f"a results file cannot hold a {type(v).__name__}")


def decode(x: Any) -> Any:
    """The value that `encode` turned into `x`."""
    if isinstance(x, list):
        return [decode(v) for v in x]
    if isinstance(x, dict):
        if x.keys() == {"$tuple"}:
            return tuple(decode(v) for v in x["$tuple"])
        if x.keys() == {"$numpy"}:
            name, value = x["$numpy"]
            return np.dtype(name).type(value)
        return {k: decode(v) for k, v in x.items()}
    return x


def _same(a: Any, b: Any) -> bool:
    """Equal values of identical types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def check_saveable(params: dict[str, Any], what: str) -> None:
    """Raise a TypeError naming the parameter unless every value comes back from a file as is.

    `what` names the owner in the message, e.g. "trial 3".
    """
    for name, value in params.items():
        try:
            back = decode(json.loads(json.dumps(encode(value))))
        except (TypeError, ValueError) as exc:
            reason = str(exc)
        else:
            if _same(back, value):
                continue
            reason = f"it would come back as {back!r}"
        raise TypeError(
            f"parameter {name!r} of {what} is {value!r}, which a results file cannot hold "
            f"({reason}). A results file holds {SAVEABLE}: put a name in the space (e.g. "
            "Choice(['relu', 'tanh'])) and look it up in the objective."
        )


# --- writing ------------------------------------------------------------------------------------


def to_text(records: list[dict[str, Any]], suffix: str) -> str:
    """The file for `records`: checked dicts (`check_record`) with params already encoded."""
    if suffix == ".json":
        lines = [json.dumps(r, allow_nan=False) for r in records]
        return "\n".join([_HEAD, ",\n".join(lines), _FOOT]) if lines else f"{_HEAD}\n{_FOOT}"
    names = list(dict.fromkeys(k for r in records for k in r["params"]))
    budget = ["budget"] if any("budget" in r for r in records) else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*_FIELDS, *budget, *(f"param:{n}" for n in names), "rows_in_file", "curve"])
    for r in records:
        cells = [repr(r[k]) if isinstance(r[k], float) else r[k] for k in _FIELDS]
        cells += [r.get("budget", "") for _ in budget]
        params = [json.dumps(r["params"][n]) if n in r["params"] else "" for n in names]
        writer.writerow([*cells, *params, len(records), json.dumps(r["curve"])])
    return buf.getvalue()


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `<path>.lock` (created if missing, left in place)."""
    with open(f"{path}.lock", "a+b") as f:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    time.sleep(0.01)
            try:
                yield
            finally:
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)  # released when the file closes
            yield


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` by a file holding `text`: a reader sees the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- reading ------------------------------------------------------------------------------------


def records(text: str, suffix: str, where: str) -> Iterator[tuple[str, Any]]:
    """`(place, record)` for each trial of the file, in file order.

    `place` is "line N" (or "record N"); `record` is a dict with decoded params, or an
    exception saying what is wrong there. A ValueError if this is not a trials file at all.
    """
    return _json(text, where) if suffix == ".json" else _csv(text, where)


def _json(text: str, where: str) -> Iterator[tuple[str, Any]]:
    lines = text.split("\n")
    if lines[0].strip() != _HEAD:  # not laid out by save_trials (edited?): read it whole
        yield from _json_whole(text, where)
        return
    for n, line in enumerate(lines[1:], start=2):
        item = line.strip().removesuffix(",")
        if item == _FOOT:
            if any(rest.strip() for rest in lines[n:]):
                yield f"line {n + 1}", ValueError(f"text after the closing {_FOOT!r}")
            return
        try:
            yield f"line {n}", _decoded(json.loads(item))
        except ValueError as exc:
            yield f"line {n}", ValueError(f"not one JSON record ({exc})")
    yield (
        f"line {len(lines)}",
        ValueError(f"the file ends before its closing {_FOOT!r}: cut short?"),
    )


def _json_whole(text: str, where: str) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.lstrip().startswith("{"):
            raise ValueError(f"{where!r} is not a dlbasics trials file") from None
        yield f"line {exc.lineno}", ValueError(f"{exc.msg} at column {exc.colno}")
        return
    if not isinstance(data, dict) or data.get("format") != "dlbasics.trials":
        raise ValueError(f"{where!r} is not a dlbasics trials file")
    if data.get("version") not in (1, 2) or not isinstance(data.get("trials"), list):
        raise ValueError(f"{where!r}: unknown trials file version {data.get('version')!r}")
    for k, record in enumerate(data["trials"], start=1):
        try:
            yield f"record {k}", _decoded(record)
        except ValueError as exc:
            yield f"record {k}", exc


def _decoded(record: Any) -> Any:
    if isinstance(record, dict) and isinstance(record.get("params"), dict):
        try:
            record["params"] = {k: decode(v) for k, v in record["params"].items()}
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a parameter value cannot be decoded ({exc})") from None
    return record


def _csv(text: str, where: str) -> Iterator[tuple[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if header[: len(_FIELDS)] != _FIELDS or header[-2:] != ["rows_in_file", "curve"]:
        raise ValueError(f"{where!r} is not a dlbasics trials file")
    names = [h.removeprefix("param:") for h in header[len(_FIELDS) : -2] if h != "budget"]
    rows = claimed = 0
    start = reader.line_num + 1
    for row in reader:
        place = f"line {start}"
        start = reader.line_num + 1
        rows += 1
        if len(row) != len(header):
            yield place, ValueError(f"{len(row)} cells where the header has {len(header)}")
            continue
        try:
            cells = dict(zip(header, row, strict=True))
            claimed = max(claimed, int(cells["rows_in_file"]))
            yield place, _csv_record(cells, names)
        except ValueError as exc:
            yield place, ValueError(f"a cell cannot be read ({exc})")
    if rows != claimed or rows == 0:
        yield (
            f"line {start}",
            ValueError(
                f"the file holds {rows} rows but says {claimed}: cut short or rows deleted?"
                if rows
                else "no trial rows after the header: cut short?"
            ),
        )


def _csv_record(cells: dict[str, str], names: list[str]) -> Any:
    params = {n: json.loads(cells[f"param:{n}"]) for n in names if cells[f"param:{n}"] != ""}
    record = {
        "id": int(cells["id"]),
        "params": params,
        "loss": float(cells["loss"]) if cells["loss"] else None,
        "curve": json.loads(cells["curve"]),
        "status": cells["status"],
        "error": cells["error"] or None,
        "duration": float(cells["duration"] or 0.0),
    }
    if cells.get("budget"):
        record["budget"] = int(cells["budget"])
    return _decoded(record)


def check_record(d: Any) -> dict[str, Any]:
    """`d` if it is a well-formed trial record, else a ValueError saying what is wrong.

    `d` comes from JSON (or a CSV row read as JSON would be): numbers are int or float.
    """
    if not isinstance(d, dict):
        raise ValueError(f"a trial record must be an object, got {type(d).__name__}")
    missing = [k for k in ("id", "params", "status") if k not in d]
    if missing:
        raise ValueError(f"the record has no {', '.join(missing)}")
    if type(d["id"]) is not int or d["id"] < 0:
        raise ValueError(f"id must be an integer >= 0, got {d['id']!r}")
    name = f"trial {d['id']}"
    if d["status"] not in ("ok", "failed"):
        raise ValueError(f"{name}: status must be 'ok' or 'failed', got {d['status']!r}")
    loss: Any = d.get("loss")
    if d["status"] == "ok" and not (type(loss) in (int, float) and math.isfinite(loss)):
        raise ValueError(f"{name} is 'ok' but its loss is {loss!r}, not a finite number")
    if d["status"] == "failed" and loss is not None:
        raise ValueError(f"{name} failed but has a loss, {loss!r}")
    if not isinstance(d["params"], dict):
        raise ValueError(f"{name}: params must be an object, got {d['params']!r}")
    curve = d.get("curve", [])
    points_ok = isinstance(curve, list) and all(
        type(p) is list and len(p) == 2 and type(p[0]) is int and type(p[1]) in _NUMBER
        for p in curve
    )
    if not points_ok:
        raise ValueError(f"{name}: curve must be a list of [step, value] pairs")
    if not isinstance(d.get("error"), str | None):
        raise ValueError(f"{name}: error must be a string or null")
    duration = d.get("duration", 0.0)
    if not (type(duration) in (int, float) and math.isfinite(duration) and duration >= 0):
        raise ValueError(f"{name}: duration must be a number >= 0, got {duration!r}")
    budget = d.get("budget")
    if budget is not None and not (type(budget) is int and budget >= 1):
        raise ValueError(f"{name}: budget must be an integer >= 1, got {budget!r}")
    return d
