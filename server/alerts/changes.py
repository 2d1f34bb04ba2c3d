"""Which projects were written to since the alerts loop last looked: marked on commit, evaluated after a debounce.

Evaluating a project's rules on every completed task or review would cost a dashboard per write. Instead a
committed transaction that touched a task, label, review or project marks the project (a set insertion, no SQL),
and the alerts loop evaluates the marked projects once their first mark is `alerts_debounce_seconds` old: a burst
of writes costs one evaluation. Labels and reviews carry no project id, so their task and label ids are kept and
turned into projects by the loop with one small query each.

Marks are held by the server process that made the write, through its ORM sessions. Writes that bypass them (another
process, such as a command-line import, or a bulk SQL statement) are caught by the periodic full evaluation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from server.db import Database
from server.db.alerts import AlertRule
from server.db.models import Label, Project, Review, Task

__all__ = ["Marks", "ProjectChanges", "projects_of", "track_changes"]


@dataclass
class Marks:
    """Rows written: projects directly, tasks and labels to be turned into their projects."""

    projects: set[int] = field(default_factory=set)
    tasks: set[int] = field(default_factory=set)
    labels: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.projects or self.tasks or self.labels)

    def add(self, other: Marks) -> None:
        self.projects |= other.projects
        self.tasks |= other.tasks
        self.labels |= other.labels


def _marks_of(session: Session) -> Marks:
    marks = Marks()
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Task) and row.project_id is not None:
            marks.projects.add(row.project_id)
        elif isinstance(row, Label) and row.task_id is not None:
            marks.tasks.add(row.task_id)
        elif isinstance(row, Review) and row.label_id is not None:
            marks.labels.add(row.label_id)
        elif isinstance(row, Project) and row.id is not None:
            marks.projects.add(row.id)
        elif isinstance(row, AlertRule) and row in session.new:
            # A new rule is evaluated promptly too. Updates are not marks: evaluations update rules themselves.
            marks.projects.add(row.project_id)
    return marks


class ProjectChanges:
    """The marks of one database's committed writes in this process, and when the oldest was made."""

    def __init__(self) -> None:
        self._marks = Marks()
        self._since: float | None = None
        self._woken = asyncio.Event()
        self._listeners: list[tuple[Any, str, Any]] = []

    def mark(self, marks: Marks) -> None:
        if not marks:
            return
        self._marks.add(marks)
        if self._since is None:
            self._since = time.monotonic()
            self._woken.set()

    def due_in(self, debounce: float) -> float | None:
        """Seconds until the marked projects are due (0 if they are), None when nothing is marked."""
        if self._since is None:
            return None
        return max(self._since + debounce - time.monotonic(), 0.0)

    def take(self) -> Marks:
        """Everything marked so far; marks made from now on start a new debounce."""
        marks, self._marks, self._since = self._marks, Marks(), None
        self._woken.clear()
        return marks

    async def wait(self, timeout: float) -> None:
        """Sleep up to `timeout` seconds, waking early when the first mark arrives (if none is held yet)."""
        if self._since is not None:
            await asyncio.sleep(timeout)  # already marked: the caller's timeout is the debounce's end
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), timeout)

    def detach(self) -> None:
        """Stop listening to the database's sessions."""
        for target, name, listener in self._listeners:
            if event.contains(target, name, listener):
                event.remove(target, name, listener)
        self._listeners.clear()


def track_changes(database: Database) -> ProjectChanges:
    """Mark the projects of `database`'s committed writes (made in this process) from now on."""
    changes = ProjectChanges()
    pending: dict[int, Marks] = {}  # per session, between its flushes and its commit

    def after_flush(session: Session, _flush: UOWTransaction) -> None:
        pending.setdefault(id(session), Marks()).add(_marks_of(session))

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint released: the outer transaction may still roll back
        marks = pending.pop(id(session), None)
        if marks:
            changes.mark(marks)

    def after_rollback(session: Session, previous: SessionTransaction) -> None:
        if not previous.nested:
            pending.pop(id(session), None)  # nothing was written (a savepoint's marks stay: one extra evaluation)

    session_class: Any = database.session_class
    for name, listener in (
        ("after_flush", after_flush),
        ("after_commit", after_commit),
        ("after_soft_rollback", after_rollback),
    ):
        event.listen(session_class, name, listener)
        changes._listeners.append((session_class, name, listener))
    return changes


async def projects_of(database: Database, marks: Marks) -> set[int]:
    """The projects the marked rows belong to."""
    projects = set(marks.projects)
    async with database.session() as session:
        tasks = set(marks.tasks)
        if marks.labels:
            tasks |= set((await session.scalars(select(Label.task_id).where(Label.id.in_(marks.labels)))).all())
        if tasks:
            statement = select(Task.project_id).where(Task.id.in_(tasks)).distinct()
            projects |= set((await session.scalars(statement)).all())
    return projects
