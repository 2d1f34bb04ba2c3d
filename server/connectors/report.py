"""What an import read and did: counts, the rows it skipped or rejected (line and reason), notes on the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.connectors.records import Rejection

__all__ = ["ImportReport"]

_MAX_LISTED = 1000  # rejected / skipped rows listed one by one in a report; the counts are always whole


@dataclass
class ImportReport:
    """What an import read and did. `rows` counts label rows (annotations, NDJSON labels, CSV lines) including
    the skipped and rejected ones; `created`/`updated`/`unchanged` split the imported ones."""

    format: str
    project: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0
    labelers_created: int = 0
    vendors_created: int = 0
    reviews_created: int = 0
    reviews_updated: int = 0
    days_rebuilt: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    skips: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < _MAX_LISTED:
            self.rejections.append(rejection)

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.skips) < _MAX_LISTED:
            self.skips.append(Rejection(line, reason))

    def describe(self) -> str:
        head = "dry run, nothing written: " if self.dry_run else ""
        lines = [
            f"{head}{self.rows} rows read: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped, {self.rejected} rejected",
            f"tasks {self.tasks_created} created, {self.tasks_updated} updated; labelers {self.labelers_created} "
            f"created; vendors {self.vendors_created} created; reviews {self.reviews_created} created, "
            f"{self.reviews_updated} updated; rollups rebuilt for {self.days_rebuilt} day(s)",
        ]
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"skipped line {s.line}: {s.reason}" for s in self.skips]
        lines += [f"rejected line {r.line}: {r.reason}" for r in self.rejections]
        if self.rejected > len(self.rejections):
            lines.append(f"... and {self.rejected - len(self.rejections)} more rejected rows")
        return "\n".join(lines)
