"""Writing normalized records (`server.connectors.records`) into a project, batch by batch.

Each batch is one transaction: its vendors, labelers, tasks, labels and reviews are upserted with bulk statements,
keyed by the source's own ids (external ids), and the rollups of the days (and consensus spans) it changed are
recomputed in the same transaction, so the dashboards never see half a batch. Importing the same file again finds
every row as stored and writes nothing; a newer export updates what changed. A dry run does all of it in one
transaction and rolls it back.

A batch goes through four steps, each handing the next a plain value: `read` looks up what is stored with one
statement per table (`_Reads`), `decide` settles everything in memory without touching the connection (new tasks
under placeholder ids, so that each is inserted once with its final status; `_Decision`), `write` sends it with
`bulk.BulkRows` (no ORM objects and no per-row SQLAlchemy processing on the way) and returns the rollups it changed
(`_Recount`), which `recount` rebuilds. The file is parsed a batch ahead (`read_ahead`) while a batch is written.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Iterator
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, cast

from sqlalchemy import Table, func, insert, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from server.connectors.bulk import BulkRows
from server.connectors.collector import collection_spaced
from server.connectors.histograms import HistogramChanges
from server.connectors.read_ahead import read_ahead
from server.connectors.records import (
    Format,
    LabelRecord,
    Rejection,
    TaskRecord,
    id_problem,
    person_key,
    problem,
)
from server.connectors.report import ImportReport
from server.connectors.state import (
    LABEL_COLUMNS,
    LabelState,
    TaskState,
    completion,
    day,
    differs,
    label_status,
    label_values,
    started,
)
from server.db.enums import (
    LabelerStage,
    PricingModel,
    ReviewVerdict,
    TaskStatus,
    VendorStatus,
    WorkforceType,
)
from server.db.guidelines import GuidelineVersion
from server.db.models import (
    Label,
    Labeler,
    LabelerStageEvent,
    Project,
    ProjectMembership,
    Review,
    Task,
    Vendor,
    project_vendors,
)
from server.db.rollup_tables import ConsensusTask
from server.db.session import Database
from server.db.types import canonical_answer_text
from server.services.completion_rollups import completion_rebuild_statements
from server.services.consensus_rows import ConsensusRows, consensus_label_source, count_consensus_rows
from server.services.errors import DomainError, NotFound
from server.services.rollups import (
    consensus_delete_statements,
    consensus_rebuild_statements,
    rebuild_statements,
    review_rebuild_statements,
)
from server.services.workflow.tasks import task_status_from_labels

__all__ = ["DEFAULT_BATCH_SIZE", "ImportReport", "import_records"]

DEFAULT_BATCH_SIZE = 20_000  # labels per transaction; measured against 5k and 50k in benchmarks/import_rate.py
_ANALYZE_AFTER = 5000  # rows created from which PostgreSQL's statistics are refreshed at the end
_MAX_LISTED_TASKS = 20_000  # beyond this many, a consensus recount reads the project's labels, not a list

Progress = Callable[[int], None]

# The tables the bulk writes go to (the ORM types them as any selectable).
_TASKS = cast(Table, Task.__table__)
_LABELS = cast(Table, Label.__table__)
_REVIEWS = cast(Table, Review.__table__)
_TASK_SETTLED = ("labels_required", "status", "completed_at", "is_benchmark", "gold_answer")
_TASK_COLUMNS = ("project_id", "external_id", "payload_ref", "created_at", *_TASK_SETTLED)
_TASK_STATE = ("id", "external_id", "payload_ref", "created_at", *_TASK_SETTLED)  # in `TaskState`'s order
_LABEL_STATE = ("id", *LABEL_COLUMNS)  # in `LabelState`'s order
_REVIEW_CHANGES = ("reviewer_id", "verdict", "seconds_to_review", "created_at")
_REVIEW_COLUMNS = ("label_id", "external_id", *_REVIEW_CHANGES)


_StoredReviews = dict[int, dict[str, tuple[ReviewVerdict, datetime]]]  # label id -> review key -> (verdict, at)
_StoredReviewRows = dict[int, dict[str, tuple[int, tuple[Any, ...]]]]  # label id -> review key -> (id, values)


@dataclass
class _Reads:
    """A batch's labels and what is stored of them, read before anything is decided."""

    labels: list[LabelRecord]
    starts: list[datetime]  # each label's start (`state.started`), worked out once: a subtraction for most sources
    task_states: dict[str, TaskState]  # by external id; new tasks under negative placeholder ids
    created_changed: set[int]  # stored tasks whose creation time or payload this batch changed
    existing: dict[tuple[int, str], LabelState]  # (task id, label key) -> stored label
    stored_reviews: _StoredReviews
    stored_review_rows: _StoredReviewRows


@dataclass
class _Recount:
    """The rollups a written batch changed: UTC days of labels, reviews and completions, consensus spans (first
    day, last day), the batch's consensus tasks, and its labels' moves between time-per-label histogram rows."""

    days: set[str]
    review_days: set[str]
    completion_days: set[str]
    spans: set[tuple[str, str]]
    histograms: HistogramChanges
    tasks: set[int] = field(default_factory=set)


@dataclass
class _Decision:
    """What a batch writes, as `_Importer.decide` settled it."""

    task_states: dict[str, TaskState]
    settled: set[int]  # tasks whose status was worked out again
    task_rows: list[tuple[Any, ...]]  # stored tasks' new `_TASK_SETTLED` values, then the id
    inserts: list[LabelState]
    updates: list[LabelState]
    new_reviews: list[tuple[LabelState, tuple[Any, ...]]]
    review_updates: list[tuple[LabelState, datetime, tuple[Any, ...]]]
    recount: _Recount


class _Importer:
    def __init__(
        self, connection: AsyncConnection, project: Project, fmt: Format, vendor: str | None, report: ImportReport
    ):
        self.connection = connection
        self.bulk = BulkRows(connection)
        self.project = project
        self.format = fmt
        self.default_vendor = vendor or fmt.default_vendor
        self.report = report
        self.vendors: dict[str, int] = {}
        self.labelers: dict[tuple[int, str], int] = {}
        self.members: set[int] | None = None
        # Labelers and reviewers found and joined to the project: nothing more to learn about them from a batch.
        self.settled_people: set[tuple[int, str]] = set()
        # Each label read so far: (task, label) -> (line, fingerprint of what the row says), to tell a repeated row
        # from a conflicting one.
        self.seen_labels: dict[tuple[str, str], tuple[int, int]] = {}
        self.versions: list[tuple[datetime, int]] | None = None  # the project's guideline versions, oldest first
        # A creation event's labels and reviews are their first version: a stored one is as new or newer (a later
        # update, or an export made after it), so it is kept (a label's older version is reported skipped).
        self.keep_stored = False  # stored labels, and their reviews
        self.keep_stored_reviews = False  # stored reviews only (a review's creation may still change its label)
        self.kept: set[tuple[int, str]] = set()  # this batch's labels kept as stored, by (task id, label key)

    # -- guideline versions ---------------------------------------------------------------------------------

    async def _guideline_versions(self) -> list[tuple[datetime, int]]:
        rows = await self.connection.execute(
            select(GuidelineVersion.created_at, GuidelineVersion.id)
            .where(GuidelineVersion.project_id == self.project.id)
            .order_by(GuidelineVersion.number)
        )
        return [(at, version) for at, version in rows]

    def _version_at(self, moment: datetime) -> int | None:
        """The newest version published by ``moment``; the first one for work started before any (the rule of
        `services.guidelines.fill_label_versions`)."""
        if not self.versions:
            return None
        index = bisect.bisect_right(self.versions, moment, key=lambda version: version[0])
        return self.versions[max(index - 1, 0)][1]

    # -- vendors and labelers -------------------------------------------------------------------------------

    async def _vendor_ids(self, names: set[str]) -> None:
        missing = sorted(names - set(self.vendors))
        if not missing:
            return
        rows = await self.connection.execute(select(Vendor.name, Vendor.id).where(Vendor.name.in_(missing)))
        self.vendors.update({name: vendor_id for name, vendor_id in rows})
        for name in missing:
            if name in self.vendors:
                continue
            crowd = self.format.name == "csv"
            vendor_id = await self.connection.scalar(
                insert(Vendor)
                .values(
                    name=name[:200],
                    workforce_type=WorkforceType.CROWD if crowd else WorkforceType.IN_HOUSE,
                    pricing_model=PricingModel.HOURLY,
                    rate=0.0,
                    status=VendorStatus.ONBOARDED,
                )
                .returning(Vendor.id)
            )
            assert vendor_id is not None
            self.vendors[name] = vendor_id
            self.report.vendors_created += 1
        linked = set(
            await self.connection.scalars(
                select(project_vendors.c.vendor_id).where(project_vendors.c.project_id == self.project.id)
            )
        )
        links = [
            {"project_id": self.project.id, "vendor_id": v} for n in missing if (v := self.vendors[n]) not in linked
        ]
        if links:
            await self.connection.execute(insert(project_vendors), links)

    async def _labeler_ids(self, wanted: dict[tuple[int, str], tuple[str | None, datetime]]) -> None:
        """Find or create the labelers `wanted` ((vendor id, external id) -> (display name, first work))."""
        missing = [key for key in wanted if key not in self.labelers]
        by_vendor: dict[int, list[str]] = {}
        for vendor_id, external in missing:
            by_vendor.setdefault(vendor_id, []).append(external)
        for vendor_id, externals in by_vendor.items():
            matches: ColumnElement[bool] = Labeler.external_id.in_(externals)
            if emails := [external for external in externals if "@" in external]:
                # E-mails are keyed without case (`records.person_key`); ones stored in another case still match.
                matches = or_(matches, func.lower(Labeler.external_id).in_(emails))
            rows = await self.connection.execute(
                select(Labeler.external_id, Labeler.id).where(Labeler.vendor_id == vendor_id, matches)
            )
            self.labelers.update({(vendor_id, person_key(str(external))): id_ for external, id_ in rows})
        new = [key for key in missing if key not in self.labelers]
        if new:
            values = [
                {
                    "vendor_id": vendor_id,
                    "external_id": external,
                    "name": (wanted[(vendor_id, external)][0] or external)[:200],
                    "stage": LabelerStage.PRODUCTION,
                }
                for vendor_id, external in new
            ]
            created = await self.connection.execute(
                insert(Labeler).returning(Labeler.id, Labeler.vendor_id, Labeler.external_id), values
            )
            events = []
            for labeler_id, owner, labeler_key in created:
                self.labelers[(owner, str(labeler_key))] = labeler_id
                first_work = wanted[(owner, str(labeler_key))][1]
                # Tenure is counted from entering production: for an imported labeler, the first work seen.
                events.append(
                    {
                        "labeler_id": labeler_id,
                        "stage": LabelerStage.PRODUCTION,
                        "entered_at": first_work,
                        "note": "imported",
                    }
                )
            await self.connection.execute(insert(LabelerStageEvent), events)
            self.report.labelers_created += len(new)
        if self.members is None:
            self.members = set(
                await self.connection.scalars(
                    select(ProjectMembership.labeler_id).where(ProjectMembership.project_id == self.project.id)
                )
            )
        joining = {self.labelers[key]: wanted[key][1] for key in wanted if self.labelers[key] not in self.members}
        if joining:
            await self.connection.execute(
                insert(ProjectMembership),
                [{"project_id": self.project.id, "labeler_id": i, "joined_at": at} for i, at in joining.items()],
            )
            self.members.update(joining)
        self.settled_people.update(wanted)

    def _people(
        self, labels: list[LabelRecord], starts: list[datetime]
    ) -> dict[tuple[int, str], tuple[str | None, datetime]]:
        """The labelers and reviewers of `labels` not yet settled: (vendor id, external id) -> (display name, first
        work)."""
        wanted: dict[tuple[int, str], tuple[str | None, datetime]] = {}
        settled, vendors, default_vendor = self.settled_people, self.vendors, self.default_vendor

        def saw(key: tuple[int, str], name: str | None, at: datetime) -> None:
            known = wanted.get(key)
            if known is None:
                wanted[key] = (name, at)
            elif (not known[0] and name) or at < known[1]:
                wanted[key] = (known[0] or name, min(at, known[1]))

        for r, start in zip(labels, starts, strict=True):
            vendor_id = vendors[r.vendor or default_vendor]
            if (key := (vendor_id, r.labeler)) not in settled:
                saw(key, r.labeler_name, start)
            for review in r.reviews:
                if (key := (vendor_id, review.reviewer)) not in settled:
                    saw(key, None, review.created_at)
        return wanted

    # -- one batch ------------------------------------------------------------------------------------------

    async def read(self, records: list[TaskRecord | LabelRecord], fingerprints: list[int]) -> _Reads | None:
        """The batch's labels (repeats skipped) and what is stored of them; the vendors and labelers it names are
        found or created. None when the batch holds nothing to write."""
        labels: list[LabelRecord] = []
        tasks: dict[str, TaskRecord] = {}
        prints = iter(fingerprints)
        for record in records:
            if isinstance(record, TaskRecord):
                tasks.setdefault(record.task, record)
                continue
            key = (record.task, record.label)
            fingerprint = next(prints)
            first = self.seen_labels.get(key)
            if first is not None:
                line, first_print = first
                if first_print == fingerprint:
                    self.report.skip(record.line, f"duplicate of line {line} (label {record.label})")
                else:
                    reason = f"label {record.label} again with other data than on line {line}, which is imported"
                    self.report.reject(Rejection(record.line, reason))
                continue
            self.seen_labels[key] = (record.line, fingerprint)
            labels.append(record)
        if not labels and not tasks:
            return None
        if self.versions is None:
            self.versions = await self._guideline_versions()
        await self._vendor_ids({r.vendor or self.default_vendor for r in labels})
        starts = [started(r) for r in labels]
        await self._labeler_ids(self._people(labels, starts))
        task_states, created_changed = await self._tasks(tasks, labels, starts)
        existing = await self._labels([t.id for t in task_states.values() if t.id > 0])
        stored = await self._reviews([state.id for state in existing.values() if state.id is not None])
        return _Reads(labels, starts, task_states, created_changed, existing, *stored)

    def decide(self, reads: _Reads) -> _Decision:
        """Everything the batch changes, decided in memory with the new tasks under placeholder ids: a new task
        goes in once, settled, instead of being inserted and then updated. Touches no connection."""
        task_states, existing = reads.task_states, reads.existing
        days: set[str] = set()
        review_days: set[str] = set()
        changed_tasks: set[int] = set()
        inserts: list[LabelState] = []
        updates: list[LabelState] = []
        gold: dict[int, Any] = {}
        by_author = {(s.task_id, s.labeler_id): s for s in existing.values()}
        replaced: list[LabelState] = []  # the stored states of the updated labels
        unchanged = 0
        versioned = bool(self.versions)
        labelers, vendors, default_vendor = self.labelers, self.vendors, self.default_vendor
        stored_reviews = reads.stored_reviews
        for r, start in zip(reads.labels, reads.starts, strict=True):
            task_id = task_states[r.task].id
            labeler_id = labelers[(vendors[r.vendor or default_vendor], r.labeler)]
            if r.gold:
                gold[task_id] = r.answer
            elif r.gold_answer is not None:
                gold.setdefault(task_id, r.gold_answer)
            label_key, author_key = (task_id, r.label), (task_id, labeler_id)
            current = existing.get(label_key)
            other = by_author.get(author_key)
            if other is not None and other is not current:
                self.report.reject(
                    Rejection(
                        r.line,
                        f"labeler {r.labeler} already has label {other.external_id or other.id} on task {r.task}",
                    )
                )
                continue
            stored = stored_reviews.get(current.id) if current is not None and current.id else None
            if stored is None and not r.reviews:  # most labels: no review, nothing to gather
                status, rework = label_status((), r.verdict)
            else:
                reviews = dict(stored) if stored is not None else {}
                for review in r.reviews:
                    if not (self.keep_stored_reviews and review.review in reviews):
                        reviews[review.review] = (review.verdict, review.created_at)
                status, rework = label_status(reviews.values(), r.verdict)
            desired = LabelState(
                current.id if current else None,
                task_id,
                labeler_id,
                r.label,
                r.answer,
                r.result,
                status,
                start,
                r.submitted_at,
                r.seconds or 0.0,
                rework,
                self._version_at(start) if versioned else None,
            )
            if self.keep_stored and current is not None and differs(current, desired):
                self.kept.add(label_key)
                self.report.skip(
                    r.line, f"label {r.label} is stored in a newer version: a creation does not replace it"
                )
                continue
            by_author[author_key] = desired
            existing[label_key] = desired
            if current is None:
                inserts.append(desired)
            elif differs(current, desired):
                days.add(day(current.submitted_at))
                updates.append(desired)
                replaced.append(current)
            else:
                unchanged += 1
                continue  # its reviews, if new, mark the task changed below
            changed_tasks.add(task_id)
        self.report.created += len(inserts)
        self.report.updated += len(updates)
        self.report.unchanged += unchanged

        new_reviews, review_updates = self._review_changes(reads)
        for state, review_row in new_reviews:
            review_days.add(day(review_row[4]))
            changed_tasks.add(state.task_id)
        for state, before, review_row in review_updates:
            review_days.update({day(before), day(review_row[4])})
            changed_tasks.add(state.task_id)

        settled, completion_days, spans, task_rows = self._settle_tasks(reads, gold, changed_tasks, days)
        histograms = HistogramChanges()
        histograms.remove(replaced)
        histograms.add(inserts)
        histograms.add(updates)
        return _Decision(
            task_states,
            settled,
            task_rows,
            inserts,
            updates,
            new_reviews,
            review_updates,
            _Recount(days, review_days, completion_days, spans, histograms),
        )

    def _label_texts(self, labels: list[LabelState]) -> dict[str, list[Any]]:
        """The JSON columns of `labels` as the driver takes them."""
        return {
            "answer": self.bulk.converted(_LABELS, "answer", [label.answer for label in labels]),
            "source_result": self.bulk.converted(_LABELS, "source_result", [label.source_result for label in labels]),
        }

    async def write(self, decision: _Decision) -> _Recount:
        """Write what `decide` settled; the rollups to recount for it are returned, not yet recounted."""
        # The spans the settled tasks were counted in before (their labels may have moved them to others).
        old_spans = await self._spans([task_id for task_id in decision.settled if task_id > 0])
        inserts, new_reviews = decision.inserts, decision.new_reviews
        # The new labels' answers and results serialised in a thread while the database writes their tasks: the
        # serialising holds the interpreter, the writing does not.
        serialising = asyncio.ensure_future(asyncio.to_thread(self._label_texts, inserts))
        try:
            await self._insert_tasks(decision.task_states, inserts)
            await self.bulk.update(_TASKS, _TASK_SETTLED, decision.task_rows)
        finally:
            texts = await serialising
        label_rows = [label_values(s) for s in inserts]
        if new_reviews:  # a new label's id is wanted only by its new reviews
            by_key = {(state.task_id, state.external_id): state for state in inserts}
            for label_id, task_id, label_key in await self.bulk.insert(
                _LABELS, LABEL_COLUMNS, label_rows, ("id", "task_id", "external_id"), converted=texts
            ):
                by_key[(task_id, str(label_key))].id = label_id
        else:
            await self.bulk.insert(_LABELS, LABEL_COLUMNS, label_rows, converted=texts)
        await self.bulk.update(_LABELS, LABEL_COLUMNS, [(*label_values(s), s.id) for s in decision.updates])
        await self.bulk.insert(_REVIEWS, _REVIEW_COLUMNS, [(state.id, *row) for state, row in new_reviews])
        self.report.reviews_created += len(new_reviews)
        review_updates = decision.review_updates
        await self.bulk.update(
            _REVIEWS, _REVIEW_CHANGES, [(*row[1:], row[0]) for _state, _before, row in review_updates]
        )
        self.report.reviews_updated += len(review_updates)
        recount = decision.recount
        recount.spans |= old_spans
        # Only consensus tasks are counted in spans; the batch's others need not be read by the recount (read once
        # the new tasks have their ids).
        recount.tasks = {t.id for t in decision.task_states.values() if t.labels_required > 1}
        return recount

    async def batch(self, records: list[TaskRecord | LabelRecord], fingerprints: list[int]) -> None:
        """Read, decide, write and recount one batch, in the caller's transaction (`fingerprints`: those of the
        batch's labels in their order, see `_fingerprint`)."""
        reads = await self.read(records, fingerprints)
        if reads is not None:
            await self.recount(await self.write(self.decide(reads)))

    def _review_changes(
        self, reads: _Reads
    ) -> tuple[list[tuple[LabelState, tuple[Any, ...]]], list[tuple[LabelState, datetime, tuple[Any, ...]]]]:
        """The reviews to create, as (label, (external id, reviewer, verdict, seconds, created)), and the stored ones
        that changed, as (label, stored created time, (review id, reviewer, verdict, seconds, created)); the label
        ids of new labels are known only once they are written."""
        created: list[tuple[LabelState, tuple[Any, ...]]] = []
        changed: list[tuple[LabelState, datetime, tuple[Any, ...]]] = []
        for r in reads.labels:
            if not r.reviews:
                continue
            state = reads.existing.get((reads.task_states[r.task].id, r.label))
            if state is None or state.external_id != r.label or (state.task_id, r.label) in self.kept:
                continue
            vendor_id = self.vendors[r.vendor or self.default_vendor]
            stored = reads.stored_reviews.get(state.id, {}) if state.id is not None else {}
            stored_full = reads.stored_review_rows.get(state.id, {}) if state.id is not None else {}
            for review in r.reviews:
                values = (
                    self.labelers[(vendor_id, review.reviewer)],
                    review.verdict,
                    review.seconds,
                    review.created_at,
                )
                if review.review not in stored:
                    created.append((state, (review.review, *values)))
                    continue
                review_id, before = stored_full[review.review]
                if before != values and not self.keep_stored_reviews:
                    changed.append((state, before[3], (review_id, *values)))
        return created, changed

    async def _tasks(
        self, tasks: dict[str, TaskRecord], labels: list[LabelRecord], starts: list[datetime]
    ) -> tuple[dict[str, TaskState], set[int]]:
        """The batch's tasks: the stored ones (their payload and creation time updated), and the new ones under
        negative placeholder ids, written by `_insert_tasks` once settled; and the stored ones whose creation
        time or payload changed."""
        wanted: dict[str, tuple[str, datetime | None, datetime | None]] = {}
        for t in tasks.values():
            wanted[t.task] = (t.payload, t.created_at, None)
        for r, start in zip(labels, starts, strict=True):
            payload, created, earliest = wanted.get(r.task, ("", None, None))
            wanted[r.task] = (payload or r.payload, created or r.task_created_at, min(earliest or start, start))
        states: dict[str, TaskState] = {}
        keys = list(wanted)
        rows = await self.bulk.select_in(
            _TASKS, _TASK_STATE, "external_id", keys, where=("project_id", self.project.id)
        )
        for row in rows:
            states[row[1]] = TaskState(*row)
        now = datetime.now(UTC)
        changes = []
        for key, (payload, source_created, earliest) in wanted.items():
            state = states.get(key)
            if state is None:
                states[key] = TaskState(
                    -(len(states) + 1),
                    key,
                    payload,
                    source_created or earliest or now,
                    1,
                    TaskStatus.TO_LABEL,
                    None,
                    False,
                    None,
                )
                continue
            target_created = source_created or (min(state.created_at, earliest) if earliest else state.created_at)
            if (payload and payload != state.payload_ref) or target_created != state.created_at:
                state.payload_ref = payload or state.payload_ref
                state.created_at = target_created
                changes.append((state.payload_ref, target_created, state.id))
        await self.bulk.update(_TASKS, ("payload_ref", "created_at"), changes)
        self.report.tasks_updated += len(changes)
        return states, {change[2] for change in changes}

    async def _insert_tasks(self, states: dict[str, TaskState], labels: list[LabelState]) -> None:
        """Write the new tasks, settled, and give them and the labels on them their ids."""
        new = [state for state in states.values() if state.id < 0]
        if not new:
            return
        rows = [
            (
                self.project.id,
                s.external_id,
                s.payload_ref,
                s.created_at,
                s.labels_required,
                s.status,
                s.completed_at,
                s.is_benchmark,
                s.gold_answer,
            )
            for s in new
        ]
        made = await self.bulk.insert(_TASKS, _TASK_COLUMNS, rows, ("id", "external_id"))
        placeholders = {}
        for task_id, external in made:
            state = states[str(external)]
            placeholders[state.id] = task_id
            state.id = task_id
        for label in labels:
            if label.task_id < 0:
                label.task_id = placeholders[label.task_id]
        self.report.tasks_created += len(new)

    async def _labels(self, task_ids: list[int]) -> dict[tuple[int, str], LabelState]:
        states: dict[tuple[int, str], LabelState] = {}
        if not task_ids:
            return states
        rows = await self.bulk.select_in(_LABELS, _LABEL_STATE, "task_id", task_ids)
        for row in rows:
            state = LabelState(*row)
            # Labels made in LabelOps have no external id; they still count on their task, keyed by their own id.
            states[(state.task_id, state.external_id if state.external_id is not None else f"#{state.id}")] = state
        return states

    async def _reviews(self, label_ids: list[int]) -> tuple[_StoredReviews, _StoredReviewRows]:
        """The stored reviews of `label_ids` by label and review key: (verdict, created) and (id, changeable
        values)."""
        if not label_ids:
            return {}, {}
        rows = await self.bulk.select_in(
            _REVIEWS, ("id", "label_id", "external_id", *_REVIEW_CHANGES), "label_id", label_ids
        )
        reviews: _StoredReviews = {}
        full: _StoredReviewRows = {}
        for review_id, label_id, external, reviewer_id, verdict, seconds, created_at in rows:
            key = external if external is not None else f"#{review_id}"
            reviews.setdefault(label_id, {})[key] = (verdict, created_at)
            full.setdefault(label_id, {})[key] = (review_id, (reviewer_id, verdict, seconds, created_at))
        return reviews, full

    async def _spans(self, task_ids: list[int]) -> set[tuple[str, str]]:
        if not task_ids:
            return set()
        rows = await self.connection.execute(
            select(ConsensusTask.first_day, ConsensusTask.last_day).where(ConsensusTask.task_id.in_(task_ids))
        )
        return {(first, last) for first, last in rows}

    def _settle_tasks(
        self, reads: _Reads, gold: dict[int, Any], changed: set[int], days: set[str]
    ) -> tuple[set[int], set[str], set[tuple[str, str]], list[tuple[Any, ...]]]:
        """Status, completion, consensus requirement and gold of the tasks whose labels changed, set on their
        states; adds the label days to recount to `days`. Returns the tasks settled, the completion days and
        consensus spans to recount, and the rows (`_TASK_SETTLED`, then the id) of the stored tasks that changed."""
        by_task: dict[int, list[LabelState]] = {}
        created_changed = reads.created_changed
        for state in reads.existing.values():
            by_task.setdefault(state.task_id, []).append(state)
        settled: set[int] = set()
        completion_days: set[str] = set()
        spans: set[tuple[str, str]] = set()
        rows: list[tuple[Any, ...]] = []
        done = TaskStatus.DONE
        for task in reads.task_states.values():
            task_id = task.id
            gold_changed = task_id in gold and (
                not task.is_benchmark or canonical_answer_text(task.gold_answer) != canonical_answer_text(gold[task_id])
            )
            if task_id not in changed and not gold_changed and task_id not in created_changed:
                continue
            settled.add(task_id)
            mine = by_task.get(task_id, [])
            required = max(task.labels_required, len(mine), 1)
            status = task_status_from_labels(required, [s.status for s in mine])
            completed = completion(mine, required) if status is done else None
            if task.completed_at is not None and task.completed_at != completed:
                completion_days.add(day(task.completed_at))
            if completed is not None and (completed != task.completed_at or task_id in created_changed):
                completion_days.add(day(completed))
            if len(mine) == 1:  # most tasks: one day, no span
                days.add(day(mine[0].submitted_at))
            else:
                label_days = {day(s.submitted_at) for s in mine}
                days.update(label_days)
                if required > 1 and len(mine) >= 2:
                    spans.add((min(label_days), max(label_days)))
            is_benchmark = task.is_benchmark or gold_changed
            before = (task.labels_required, task.status, task.completed_at, task.is_benchmark)
            if before == (required, status, completed, is_benchmark) and not gold_changed:
                continue
            task.labels_required, task.status, task.completed_at = required, status, completed
            task.is_benchmark = is_benchmark
            if gold_changed:
                task.gold_answer = gold[task.id]
            if task.id > 0:
                rows.append((required, status, completed, is_benchmark, task.gold_answer, task.id))
        return settled, completion_days, spans, rows

    async def recount(self, recount: _Recount) -> None:
        """Recount the rollups of a written batch's days and consensus spans."""
        days, review_days, completion_days = recount.days, recount.review_days, recount.completion_days
        spans = recount.spans
        project_id = self.project.id
        # The lock order of the live workflow (task rows, then the project row, then rollups): holding the project
        # row exclusively, as an SLA change does, the recount runs wholly before or after a live completion's.
        await self.connection.execute(select(Project.id).where(Project.id == project_id).with_for_update())
        statements = [
            *rebuild_statements(project_id, days, histograms=False),  # moved by the batch's changes below
            *review_rebuild_statements(project_id, review_days),
            *completion_rebuild_statements(project_id, completion_days),
        ]
        counted: ConsensusRows | None = None
        if spans:
            # The labels to read: this batch's tasks, and the others already placed in the spans to recompute.
            ordered = sorted(spans)
            placed = await self.connection.scalars(
                select(ConsensusTask.task_id).where(
                    ConsensusTask.project_id == project_id,
                    tuple_(ConsensusTask.first_day, ConsensusTask.last_day).in_(ordered),
                )
            )
            tasks = set(placed) | recount.tasks
            if len(tasks) > _MAX_LISTED_TASKS:
                statements += consensus_rebuild_statements(project_id, ordered)
            else:
                # Counted here from the tasks' labels: the same rows as the SQL recount, at a fraction of its cost
                # on SQLite (`services.consensus_rows`).
                statements += consensus_delete_statements(project_id, ordered)
                labels = await self.connection.execute(consensus_label_source(project_id, tasks))
                counted = count_consensus_rows(labels, ordered)
        for statement in statements:
            await self.connection.execute(statement)
        if counted is not None:
            for table, columns, rows in counted.by_table():
                await self.bulk.insert(table, columns, rows)
        vendors = {labeler_id: vendor_id for (vendor_id, _external), labeler_id in self.labelers.items()}
        await recount.histograms.write(self.connection, self.bulk, project_id, vendors)
        self.report.days_rebuilt += len(days | review_days | completion_days)


def _fingerprint(record: LabelRecord) -> int:
    """A hash of what a label row says, equal for repeated rows (whatever the order of an answer's keys)."""
    answer = record.answer
    try:
        answer_hash = hash(frozenset(answer.items())) if type(answer) is dict else hash(answer)
    except TypeError:  # lists inside: hashed through their stored text
        answer_hash = hash(canonical_answer_text(answer))
    reviews = tuple((review.review, review.verdict, review.created_at) for review in record.reviews)
    gold = None if record.gold_answer is None else canonical_answer_text(record.gold_answer)
    said = (record.labeler, record.vendor, record.submitted_at, record.seconds, record.gold, gold, record.verdict)
    return hash((*said, answer_hash, reviews))


@dataclass
class _Batch:
    """Records to write together, and what the reader counted since the previous batch: the label rows read, the
    rows rejected and those skipped on purpose (applied to the report before the batch is written)."""

    records: list[TaskRecord | LabelRecord] = field(default_factory=list)
    fingerprints: list[int] = field(default_factory=list)  # of the labels among `records`, in their order
    rows: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    skips: list[tuple[int, str]] = field(default_factory=list)

    def account(self, report: ImportReport) -> None:
        report.rows += self.rows
        for rejection in self.rejections:
            report.reject(rejection)
        for line, reason in self.skips:
            report.skip(line, reason)


def _batches(records: Iterator[Any], size: int, fmt: Format) -> Iterator[_Batch]:
    """Batches of `size` labels (or twice as many records without labels); the last one may hold no records."""
    batch = _Batch()
    labels = 0
    skipped = 0
    refused_tasks: set[str] = set()
    for record in records:
        if len(fmt.skipped) > skipped:
            news = fmt.skipped[skipped:]
            batch.rows += len(news)
            batch.skips.extend(news)
            skipped += len(news)
        if not isinstance(record, Rejection) and (reason := problem(record)) is not None:
            if record.task in refused_tasks:
                continue  # the task was rejected, for the reason its labels would be
            if isinstance(record, TaskRecord):
                refused_tasks.add(record.task)
            record = Rejection(record.line, reason)
        if isinstance(record, Rejection):
            batch.rows += 1
            batch.rejections.append(record)
            continue
        batch.records.append(record)
        if isinstance(record, LabelRecord):
            batch.fingerprints.append(_fingerprint(record))  # here, in the reader's thread
            batch.rows += 1
            labels += 1
            if labels >= size:
                yield batch
                batch, labels = _Batch(), 0
        elif len(batch.records) >= size * 2:
            yield batch
            batch, labels = _Batch(), 0
    news = fmt.skipped[skipped:]
    batch.rows += len(news)
    batch.skips.extend(news)
    yield batch


async def import_records(
    database: Database,
    fmt: Format,
    stream: IO[str],
    *,
    project: str | int,
    vendor: str | None = None,
    dry_run: bool = False,
    keep_stored: bool = False,
    keep_stored_reviews: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportReport:
    """Read `stream` with `fmt` and write it into the project `project` (its name, or its id); see the module
    docstring. `keep_stored` leaves stored labels and reviews as they are (a creation event's version is never newer
    than what is stored) and reports the labels that differ as skipped; `keep_stored_reviews` leaves stored reviews
    only (a review's creation event), so the label's status still follows a new review."""
    if batch_size < 1:
        raise DomainError(f"batch size must be at least 1, got {batch_size}", path=("batch_size",))
    async with database.session() as session:
        by = Project.id if isinstance(project, int) else Project.name
        found = await session.scalar(select(Project).where(by == project))
    if found is None:
        raise NotFound("project", project, path=("project_id",) if isinstance(project, int) else ("project",))
    report = ImportReport(format=fmt.name, project=found.name, dry_run=dry_run)
    if vendor is not None:
        vendor = vendor.strip()  # " Acme" would be another vendor than "Acme"
        if not vendor:
            raise DomainError("vendor must not be empty", path=("vendor",))
        if (reason := id_problem(vendor, "vendor")) is not None:
            raise DomainError(reason, path=("vendor",))

    with collection_spaced():
        keep = (keep_stored, keep_stored or keep_stored_reviews)
        await _import(database, fmt, stream, found, vendor, report, dry_run, batch_size, progress, keep)
    report.notes.extend(fmt.notes)
    if not dry_run and database.dialect == "postgresql" and report.created + report.tasks_created >= _ANALYZE_AFTER:
        # Autovacuum may be off (or late): plans over freshly loaded tables go bad without statistics.
        async with database.engine.connect() as connection:
            await connection.execute(text("ANALYZE tasks, labels, reviews, labelers"))
            await connection.commit()
    return report


async def _import(
    database: Database,
    fmt: Format,
    stream: IO[str],
    found: Project,
    vendor: str | None,
    report: ImportReport,
    dry_run: bool,
    batch_size: int,
    progress: Progress | None,
    keep: tuple[bool, bool],
) -> None:
    """The batches, each in its own transaction (all in one, rolled back, for a dry run)."""
    async with database.engine.connect() as connection:
        importer = _Importer(connection, found, fmt, vendor, report)
        importer.keep_stored, importer.keep_stored_reviews = keep
        transaction = await connection.begin()
        try:
            async with aclosing(read_ahead(_batches(fmt.read(stream), batch_size, fmt))) as batches:
                async for batch in batches:
                    batch.account(report)
                    if not batch.records:
                        continue
                    await importer.batch(batch.records, batch.fingerprints)
                    if not dry_run:
                        await transaction.commit()
                        transaction = await connection.begin()
                    if progress is not None:
                        progress(report.rows)
            if dry_run:
                await transaction.rollback()
            else:
                await transaction.commit()
        except BaseException:
            await transaction.rollback()
            raise
