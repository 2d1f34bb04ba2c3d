"""The server's simulation pool: a bounded set of worker processes that can each be killed and replaced.

Every simulation the server runs (planning queries and persisted runs alike) executes here, never in the event loop
or a thread. ``concurrent.futures`` cannot stop one task of a pool, so each worker is a process of its own with a
pipe: when the request that waits for a worker times out, or its run is cancelled, the awaiting coroutine is
cancelled and the worker is killed with SIGKILL; the next task starts a fresh one. A worker that dies fails only
the task it was running.

Workers are forked from a forkserver that has already imported the simulator, so one starts in milliseconds. They
die with the server even when it is SIGKILLed: each asks the kernel for SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``) and a watcher thread exits when the server process is gone, whichever notices first (the
forkserver, their parent, exits as soon as the server's end of its pipe closes).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

__all__ = ["PRELOADED_MODULES", "SimulationPool", "WorkerDied"]

_log = logging.getLogger(__name__)

PRELOADED_MODULES = [
    "simulator.engine",
    "simulator.montecarlo",
    "simulator.planning.feasibility",
    "simulator.planning.optimize",
    "simulator.planning.whatif",
    "server.services.simulation_pool",
]
"""Imported once by the forkserver, so a new worker inherits them instead of importing them again."""

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.25


class WorkerDied(RuntimeError):
    """A worker process ended while running a task (killed, out of memory, or crashed in native code)."""


# -- the worker process ----------------------------------------------------------------------------------------


def _die_with(server_pid: int) -> None:
    """Make this worker end when its parent (the forkserver) or the server process ends."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is not None:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(_WATCH_SECONDS)
            if os.getppid() != parent or not _alive(server_pid):
                os._exit(1)

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed server not yet reaped by its parent is a zombie: gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _portable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else a RuntimeError carrying its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _worker_main(connection: Connection, server_pid: int) -> None:
    """Run tasks received as ``(function, args)`` until the pipe closes; answer ``(ok, value_or_error)``."""
    _die_with(server_pid)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        function, args = task
        try:
            outcome: tuple[bool, Any] = (True, function(*args))
        except Exception as error:
            outcome = (False, _portable(error))
        try:
            connection.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            connection.send((False, RuntimeError(f"the result could not be sent back: {error}")))


# -- the server side -------------------------------------------------------------------------------------------


class _Worker:
    def __init__(self, context: BaseContext, server_pid: int) -> None:
        parent_end, child_end = multiprocessing.Pipe(duplex=True)
        self.connection = parent_end
        self.process = context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child_end, server_pid), name="labelops-simulation", daemon=True
        )
        self.process.start()
        child_end.close()

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.connection.close()
        # Collect the exit status off the event loop; the forkserver reaps the process itself.
        threading.Thread(target=self.process.join, args=(5,), daemon=True).start()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.connection.close()


class SimulationPool:
    """At most ``size`` worker processes, started on demand, shared by every simulation of one server process."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"simulation pool size must be >= 1, got {size!r}")
        self.size = size
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            # Takes effect when this process starts its forkserver (once): workers then fork with these imported.
            self._context.set_forkserver_preload(PRELOADED_MODULES)
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._closed = False

    def prepare(self) -> None:
        """Start the forkserver now (importing the simulator takes a second or two), not on the first request.

        Blocking: call it in a thread. Starts no worker.
        """
        if self._context.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers, busy ones first."""
        return [w.pid for w in self._busy] + [w.pid for w in self._idle]

    @property
    def busy_pids(self) -> list[int]:
        return [w.pid for w in self._busy]

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker; a module-level function and picklable arguments.

        Raises what the function raised, or :class:`WorkerDied`. Cancelling the caller (a request timeout, a
        cancelled run) kills the worker, so its CPU and memory are given back at once.
        """
        if self._closed:
            raise RuntimeError("the simulation pool is closed")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        async with self._slots:
            worker = self._idle.pop() if self._idle else await self._started()
            self._busy.add(worker)
            healthy = False
            try:
                worker.connection.send((function, args))
                ok, value = await self._receive(worker)
                healthy = True
            finally:
                self._busy.discard(worker)
                if healthy and not self._closed:
                    self._idle.append(worker)
                else:
                    worker.kill()
        if ok:
            return value
        raise value

    async def _started(self) -> _Worker:
        """A new worker; starting one can take a second (the forkserver's first start), so it is off the loop."""
        starting = asyncio.ensure_future(asyncio.to_thread(_Worker, self._context, os.getpid()))
        try:
            return await asyncio.shield(starting)
        except asyncio.CancelledError:
            # The caller gave up while the process was starting: kill it once it exists, so the pool never
            # holds more workers than its slots.
            starting.add_done_callback(
                lambda done: None if done.cancelled() or done.exception() else done.result().kill()
            )
            raise

    @staticmethod
    async def _receive(worker: _Worker) -> tuple[bool, Any]:
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        descriptor = worker.connection.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(descriptor, ready)
        try:
            await readable
        finally:
            loop.remove_reader(descriptor)
            # uvloop makes a descriptor it watches non-blocking and leaves it so: a result larger than the pipe's
            # buffer would then be read short (BlockingIOError), and the next task's arguments written short.
            os.set_blocking(descriptor, True)
        try:
            outcome: tuple[bool, Any] = worker.connection.recv()
        except (EOFError, OSError) as error:
            raise WorkerDied(f"a worker process died (pid {worker.pid})") from error
        return outcome

    def kill_all(self) -> None:
        """Kill every worker at once, without waiting (a pool dropped without being closed)."""
        self._closed = True
        for worker in [*self._busy, *self._idle]:
            worker.kill()
        self._idle.clear()

    async def close(self) -> None:
        """Stop every worker: busy ones are killed, idle ones asked to exit."""
        self._closed = True
        for worker in list(self._busy):
            worker.kill()
        idle, self._idle = self._idle, []
        for worker in idle:
            await asyncio.to_thread(worker.stop)
