"""GraphQL types of guideline versions: the version with its typed ontology fields, examples and mistakes, the
diff between two versions, and the publishing input and result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from server.db.guidelines import GuidelineVersion
from server.graphql.errors import MutationError
from server.services.errors import ValidationFailed
from server.services.guideline_diff import GuidelineDiff
from server.services.ontology import parse_ontology

__all__ = [
    "GuidelineDiffType",
    "GuidelineVersionNode",
    "GuidelineVersionPayload",
    "GuidelineVersionResult",
    "PublishGuidelineVersionInput",
]


@strawberry.type(description="A worked example: an input, its right answer and why.")
class GuidelineExample:
    input: str
    answer: JSON
    explanation: str


@strawberry.type(description="A mistake labelers make, and what to do instead.")
class CommonMistake:
    mistake: str
    correction: str


@strawberry.type(description="One typed answer field of an ontology; categorical fields are what agreement compares.")
class OntologyField:
    name: str
    kind: str = strawberry.field(description="choice, multi_choice, boolean or text.")
    choices: list[str]
    required: bool
    categorical: bool


@strawberry.type(name="GuidelineVersion", description="One immutable version of a project's guidelines.")
class GuidelineVersionNode:
    id: relay.GlobalID
    project_id: relay.GlobalID
    number: int
    author: str
    created_at: datetime
    change_note: str
    ontology: JSON
    instructions: str
    examples: list[GuidelineExample]
    common_mistakes: list[CommonMistake]
    fields: list[OntologyField] = strawberry.field(description="The ontology's typed fields (empty: untyped).")
    issue_ids: list[relay.GlobalID] = strawberry.field(description="Issues this version was published to settle.")

    @classmethod
    def from_model(cls, row: GuidelineVersion, issue_ids: list[int]) -> Self:
        try:
            specs = parse_ontology(row.ontology).fields
        except ValidationFailed:
            specs = ()
        return cls(
            id=relay.GlobalID("GuidelineVersion", str(row.id)),
            project_id=relay.GlobalID("Project", str(row.project_id)),
            number=row.number,
            author=row.author,
            created_at=row.created_at,
            change_note=row.change_note,
            ontology=row.ontology,  # type: ignore[arg-type]
            instructions=row.instructions,
            examples=[
                GuidelineExample(input=item["input"], answer=item["answer"], explanation=item.get("explanation", ""))
                for item in row.examples
            ],
            common_mistakes=[
                CommonMistake(mistake=m["mistake"], correction=m["correction"]) for m in row.common_mistakes
            ],
            fields=[
                OntologyField(
                    name=s.name, kind=s.kind, choices=list(s.choices), required=s.required, categorical=s.categorical
                )
                for s in specs
            ],
            issue_ids=[relay.GlobalID("Issue", str(key)) for key in issue_ids],
        )


@strawberry.type(description="How one ontology field changed between two versions.")
class OntologyFieldChange:
    name: str
    change: str = strawberry.field(description="ADDED, REMOVED or CHANGED.")
    kind_before: str | None
    kind_after: str | None
    choices_added: list[str]
    choices_removed: list[str]


@strawberry.type(name="GuidelineDiff", description="What changed from one version to another.")
class GuidelineDiffType:
    from_number: int
    to_number: int
    instructions: list[str] = strawberry.field(description="Unified diff lines of the instructions (' ', '-', '+').")
    fields: list[OntologyFieldChange]
    examples_added: int
    examples_removed: int
    mistakes_added: int
    mistakes_removed: int

    @classmethod
    def from_diff(cls, before: int, after: int, diff: GuidelineDiff) -> Self:
        return cls(
            from_number=before,
            to_number=after,
            instructions=list(diff.instructions),
            fields=[
                OntologyFieldChange(
                    name=f.name,
                    change=f.change,
                    kind_before=f.kind_before,
                    kind_after=f.kind_after,
                    choices_added=list(f.choices_added),
                    choices_removed=list(f.choices_removed),
                )
                for f in diff.fields
            ],
            examples_added=diff.examples_added,
            examples_removed=diff.examples_removed,
            mistakes_added=diff.mistakes_added,
            mistakes_removed=diff.mistakes_removed,
        )


@strawberry.input(description="A new guideline version; fields left out keep the current version's value.")
class PublishGuidelineVersionInput:
    project_id: relay.GlobalID
    change_note: str = strawberry.field(description="What changed and why (required after version 1).")
    ontology: JSON | None = None
    instructions: str | None = None
    examples: JSON | None = strawberry.field(
        default=None, description='[{"input": "...", "answer": {...}, "explanation": "..."}]; answers must fit.'
    )
    common_mistakes: JSON | None = strawberry.field(
        default=None, description='[{"mistake": "...", "correction": "..."}]'
    )
    issue_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Issues of the project that caused this change."
    )
    created_at: datetime | None = strawberry.field(
        default=None, description="When the change took effect (imports); default now, never before the last one."
    )


@strawberry.type
class GuidelineVersionPayload:
    version: GuidelineVersionNode


GuidelineVersionResult = Annotated[GuidelineVersionPayload | MutationError, strawberry.union("GuidelineVersionResult")]
