r"""A process pool in which a worker that dies costs only the task it was running.

`concurrent.futures.ProcessPoolExecutor` declares itself broken when one of its workers dies
(a segfault in native code, `os._exit`, the out-of-memory killer) and fails every task it
holds, the healthy workers' running tasks included. `WorkerPool` gives each worker one task at
a time and watches every worker process: when one dies, its task fails with `WorkerDied`
(saying how it died), a new worker takes its place, and the other tasks run on.

Each worker ignores Ctrl-C (the main process handles it) and caps its BLAS and OpenMP thread
pools to one thread with `threadpoolctl`, when that is installed.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import signal
import threading
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["WorkerDied", "WorkerPool"]

Task = tuple[Future, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class WorkerDied(RuntimeError):
    """The worker process running a task died before it could return (the message says how)."""


def how_it_died(exitcode: int | None) -> str:
    """A process's exit code in words: a signal's name, or the code it exited with."""
    if exitcode is None:
        return "it vanished"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {"SIGSEGV": " (a crash in native code)", "SIGKILL": " (e.g. out of memory)"}
        return f"it was killed by {name}{hint.get(name, '')}"
    return f"it exited with code {exitcode} (os._exit?)"


def _serve(conn: Connection) -> None:
    """A worker's life: run each task received on `conn`, send back (ok, value); None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's business
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)  # for the worker's lifetime
    except ImportError:  # optional
        pass
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the pool is gone
            return
        except Exception as exc:  # a task that cannot be unpickled here
            conn.send((False, exc))
            continue
        if task is None:
            return
        fn, args, kwargs = task
        try:
            reply = (True, fn(*args, **kwargs))
        except BaseException as exc:  # sys.exit in a task is the task's failure, not ours
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # a result or an exception that cannot be pickled
            conn.send((False, RuntimeError(f"the task's outcome cannot be sent back: {exc!r}")))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    task: Task | None = None
    ran: int = field(default=0)


_LIVE: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """At exit, let every pool finish its running tasks and stop its workers (whose
    processes the interpreter would otherwise wait for)."""
    for pool in list(_LIVE):
        pool.shutdown(wait=True)


class WorkerPool(Executor):
    r"""`max_workers` processes, each running one task at a time; a dead worker is replaced.

    Parameters
    ----------
    max_workers : int
        Number of worker processes, started at once.
    mp_context : multiprocessing context, optional
        How workers start (e.g. `multiprocessing.get_context("forkserver")`).

    Notes
    -----
    A task whose worker dies fails with `WorkerDied`. A worker that dies before it ran any
    task means workers cannot start (e.g. the package is not importable there): the pool is
    then broken, pending tasks fail with `concurrent.futures.BrokenExecutor`, and `submit`
    raises it.
    """

    def __init__(self, max_workers: int, mp_context: BaseContext | None = None) -> None:
        self._ctx: Any = mp_context or multiprocessing.get_context()
        self.start_method: str = self._ctx.get_start_method()
        self.max_workers = max_workers
        self._queue: deque[Task] = deque()
        self._lock = threading.Lock()  # guards the queue and the flags below
        self._closing = False
        self._broken = ""
        self._woken = False  # a wake-up byte is on its way to the pool's thread
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._workers = [self._start() for _ in range(max_workers)]
        self._thread = threading.Thread(target=self._run, name="dlbasics-pool", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    @property
    def broken(self) -> bool:
        """True once workers could not start; a broken pool accepts no task."""
        return bool(self._broken)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Queue `fn(*args, **kwargs)` for the next free worker; its Future."""
        fut: Future = Future()
        with self._lock:
            if self._broken:
                raise BrokenExecutor(self._broken)
            if self._closing:
                raise RuntimeError("cannot submit to a pool that is shut down")
            self._queue.append((fut, fn, args, kwargs))
        self._wake()
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers once the running tasks (and, unless cancelled, queued ones) end."""
        with self._lock:
            self._closing = True
            while cancel_futures and self._queue:
                self._queue.popleft()[0].cancel()
        self._wake()
        if wait:
            self._thread.join()

    def _wake(self) -> None:
        with self._lock:
            send, self._woken = not self._woken, True
        if send:
            self._wake_w.send_bytes(b"")

    def _start(self) -> _Worker:
        ours, theirs = self._ctx.Pipe()
        process = self._ctx.Process(target=_serve, args=(theirs,), name="dlbasics-worker")
        process.start()
        theirs.close()
        return _Worker(process, ours)

    def _run(self) -> None:
        """The pool's thread: hand out tasks, deliver results, replace dead workers."""
        try:
            while self._step():
                pass
        except BaseException as exc:  # never leave a Future waiting forever
            self._break(f"the pool failed: {exc!r}")
        for w in self._workers:
            with contextlib.suppress(OSError):  # already gone
                w.conn.send(None)
        for w in self._workers:
            w.process.join()
            w.conn.close()

    def _step(self) -> bool:
        """One round: assign, wait for news, act on it. False once the pool is done."""
        with self._lock:
            self._assign()
            busy = [w for w in self._workers if w.task is not None]
            if self._closing and not busy and not self._queue:
                return False
        watch = [w.conn for w in busy] + [w.process.sentinel for w in self._workers]
        ready = set(wait([self._wake_r, *watch]))
        with self._lock:
            self._woken = False
        while self._wake_r.poll():
            self._wake_r.recv_bytes()
        for w in list(self._workers):
            if w.task is not None and w.conn in ready:
                self._receive(w)
            if w.process.exitcode is not None:
                self._bury(w)
        return True

    def _assign(self) -> None:
        for w in self._workers:
            while w.task is None and self._queue:
                task = self._queue.popleft()
                fut = task[0]
                if not fut.running() and not fut.set_running_or_notify_cancel():
                    continue  # cancelled while queued
                try:
                    w.conn.send(task[1:])
                except OSError:  # the worker just died: it never saw the task
                    self._queue.appendleft(task)
                    break
                except Exception as exc:  # the task cannot be pickled
                    fut.set_exception(exc)
                    continue
                w.task = task

    def _receive(self, w: _Worker) -> None:
        try:
            ok, value = w.conn.recv()
        except (EOFError, OSError):  # it died mid-task: _bury reports it
            w.process.join()
            return
        assert w.task is not None
        fut, w.task, w.ran = w.task[0], None, w.ran + 1
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)

    def _bury(self, w: _Worker) -> None:
        w.process.join()
        w.conn.close()
        cause = f"the worker process (pid {w.process.pid}) died: {how_it_died(w.process.exitcode)}"
        if w.task is not None:
            w.task[0].set_exception(WorkerDied(cause))
        elif w.ran == 0 and not self._closing:
            self._break(f"workers cannot start: {cause} before running any task")
        index = self._workers.index(w)
        if self._closing and not self._queue:
            del self._workers[index]
        else:
            self._workers[index] = self._start()

    def _break(self, reason: str) -> None:
        with self._lock:
            self._broken, self._closing = reason, True
            pending = [t[0] for t in self._queue] + [w.task[0] for w in self._workers if w.task]
            self._queue.clear()
        for fut in pending:
            if not fut.done():
                fut.set_exception(BrokenExecutor(reason))
        for w in self._workers:
            w.task = None
