"""Per-day rollups of labels and reviews: additive sums and log-scale histograms of time per label and review.

`label_day_rollups` holds, per (project, labeler, UTC day of submission), the sums every additive label metric
is a quotient of; `label_time_bins` holds, per the same key and histogram bin, how many labels took a time in that
bin. Both are maintained in the transaction that changes a label (see `server.services.rollups`) and rebuilt in
bulk after bulk loads. `review_day_rollups` and `review_time_bins` do the same for reviews, keyed by the UTC day
of the review and the label's author, with the same histogram bins over `seconds_to_review`.
The consensus tables hold what pairwise agreement and Krippendorff's alpha are sums of, per consensus task with
two or more labels: `consensus_tasks` places each such task by the first and last UTC day of its labels (its
span), and `consensus_spans`, `consensus_span_values` and `consensus_span_labelers` sum the tasks of one span
(by number of labels, by answer, by labeler), so a whole-days window adds up the spans it contains.
`consensus_span_members` and `consensus_span_member_values` sum the same tasks once per labeler and once per vendor
with a label on them (a member), so a scope of one labeler or vendor adds up the units that hold its labels.
`task_day_rollups` counts, per (project, UTC day of completion), the completed tasks and those completed within
the project's SLA turnaround; changing the turnaround rewrites the project's rows in the same transaction.
`reviewer_day_rollups` sums the same reviews by reviewer instead of author, for the reviewers' labour and its
cost. Cost is not stored: it is priced from these sums when read, at the rates in force on each day
(`server.db.rates`). The tables keyed (project, labeler or reviewer, day) are also indexed (labeler or reviewer,
day): a scope of one labeler or of a vendor's labelers names no project, and PostgreSQL cannot skip the leading
project column of their keys.
`project_time_bins` and `project_review_time_bins` hold the same histograms without the labeler, per (project, UTC
day, bin), and `vendor_time_bins` and `vendor_review_time_bins` per (vendor, UTC day, project, bin), the vendor
being the label author's: a project's or vendor's histogram over a window sums a few hundred rows per day instead
of one per labeler and bin (with hundreds of labelers the per-labeler rows barely compress). A labeler's vendor is
fixed when the labeler is created (no writer changes it), so the vendor of a label never changes either. They are
maintained beside the per-labeler rows, in the same transaction and by the same writers, and rebuilt from them.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base

__all__ = [
    "ConsensusSpan",
    "ConsensusSpanLabeler",
    "ConsensusSpanMember",
    "ConsensusSpanMemberValue",
    "ConsensusSpanValue",
    "ConsensusTask",
    "LabelDayRollup",
    "LabelTimeBin",
    "ProjectReviewTimeBin",
    "ProjectTimeBin",
    "ReviewDayRollup",
    "ReviewTimeBin",
    "ReviewerDayRollup",
    "TaskDayRollup",
    "VendorReviewTimeBin",
    "VendorTimeBin",
]


class LabelDayRollup(Base):
    """The labels one labeler submitted on one project on one UTC day, summed."""

    __tablename__ = "label_day_rollups"
    __table_args__ = (Index("ix_label_day_rollups_labeler_day", "labeler_id", "day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 'YYYY-MM-DD', UTC
    labels: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    rework_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    reworked: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    first_pass: Mapped[int] = mapped_column(Integer, default=0)
    # Of the first-pass labels, those a reviewer accepted (the others were accepted without review).
    reviewed_first_pass: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    decided: Mapped[int] = mapped_column(Integer, default=0)
    benchmarks: Mapped[int] = mapped_column(Integer, default=0)
    benchmarks_correct: Mapped[int] = mapped_column(Integer, default=0)


class LabelTimeBin(Base):
    """How many of a labeler's labels on a project and day took a time per label within one histogram bin."""

    __tablename__ = "label_time_bins"
    __table_args__ = (
        Index("ix_label_time_bins_labeler_day", "labeler_id", "day"),
        Index("ix_label_time_bins_project_day", "project_id", "day"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)


class ProjectTimeBin(Base):
    """How many labels on a project and day (any labeler) took a time per label within one histogram bin."""

    __tablename__ = "project_time_bins"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)


class VendorTimeBin(Base):
    """How many labels by one vendor's labelers on a project and day took a time per label within one bin."""

    __tablename__ = "vendor_time_bins"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)


class ReviewDayRollup(Base):
    """The reviews of one labeler's labels on one project made on one UTC day, summed (the labeler is the label's
    author, not the reviewer)."""

    __tablename__ = "review_day_rollups"
    __table_args__ = (Index("ix_review_day_rollups_labeler_day", "labeler_id", "day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 'YYYY-MM-DD', UTC, of the review
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_up: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ReviewerDayRollup(Base):
    """The reviews one reviewer made on one project on one UTC day: how many and how long they took."""

    __tablename__ = "reviewer_day_rollups"
    __table_args__ = (Index("ix_reviewer_day_rollups_reviewer_day", "reviewer_id", "day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 'YYYY-MM-DD', UTC, of the review
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ReviewTimeBin(Base):
    """How many reviews of a labeler's labels on a project and day took a review time within one histogram bin."""

    __tablename__ = "review_time_bins"
    __table_args__ = (Index("ix_review_time_bins_labeler_day", "labeler_id", "day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class ProjectReviewTimeBin(Base):
    """How many reviews on a project made on one day (any label author) took a review time within one bin."""

    __tablename__ = "project_review_time_bins"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class VendorReviewTimeBin(Base):
    """How many reviews of one vendor's labelers' labels on a project, made on one day, took a review time within
    one bin."""

    __tablename__ = "vendor_review_time_bins"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class ConsensusTask(Base):
    """A consensus task (labels_required > 1) with two or more labels, placed by the UTC days of its first and
    last label."""

    __tablename__ = "consensus_tasks"
    __table_args__ = (Index("ix_consensus_tasks_project_last_first", "project_id", "last_day", "first_day"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    first_day: Mapped[str] = mapped_column(String(10))
    last_day: Mapped[str] = mapped_column(String(10))


class ConsensusSpan(Base):
    """The consensus tasks of a project whose labels span first_day..last_day and that hold `labels` labels:
    how many (`units`) and their agreeing ordered pairs of labels, Σ_u Σ_c n_uc(n_uc-1)."""

    __tablename__ = "consensus_spans"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    agreeing: Mapped[int] = mapped_column(Integer, default=0)


class ConsensusSpanValue(Base):
    """How many labels on the consensus tasks of a span carry one answer (by its stored JSON text)."""

    __tablename__ = "consensus_span_values"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    category: Mapped[str] = mapped_column(Text, primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)


class ConsensusSpanLabeler(Base):
    """One labeler's labels on the consensus tasks of a span: how many, and their pairs (each label against every
    other label on its task) and agreeing pairs."""

    __tablename__ = "consensus_span_labelers"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    labeler_id: Mapped[int] = mapped_column(ForeignKey("labelers.id", ondelete="CASCADE"), primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)
    agreeing: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)


class ConsensusSpanMember(Base):
    """The consensus tasks of a span holding `labels` labels with a label by one member (`kind` 'labeler' or
    'vendor', `member_id` its id): how many (`units`) and their agreeing ordered pairs, Σ_u Σ_c n_uc(n_uc-1)."""

    __tablename__ = "consensus_span_members"
    # A scope names its member, often without a project.
    __table_args__ = (Index("ix_consensus_span_members_member", "kind", "member_id", "first_day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
    agreeing: Mapped[int] = mapped_column(Integer, default=0)


class ConsensusSpanMemberValue(Base):
    """How many labels carry one answer on the consensus tasks of a span that hold a label by one member."""

    __tablename__ = "consensus_span_member_values"
    __table_args__ = (Index("ix_consensus_span_member_values_member", "kind", "member_id", "first_day"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    first_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_day: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(Text, primary_key=True)
    labels: Mapped[int] = mapped_column(Integer, default=0)


class TaskDayRollup(Base):
    """The tasks of one project completed on one UTC day, and how many of them within the project's SLA turnaround
    (completed_at - created_at <= sla_turnaround_hours)."""

    __tablename__ = "task_day_rollups"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 'YYYY-MM-DD', UTC, of completion
    completed: Mapped[int] = mapped_column(Integer, default=0)
    within_sla: Mapped[int] = mapped_column(Integer, default=0)
