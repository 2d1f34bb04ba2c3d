"""The typed part of an ontology: the answer fields a label must fill, and which of them agreement compares.

Two spellings are accepted, so the ontologies projects hold today keep working:
- the single-field form `{"field": "class", "classes": [...], "attributes": {"occluded": "boolean"}}`: one
  required choice field, plus optional boolean or text attributes;
- the list form `{"fields": [{"name": "tone", "kind": "choice", "choices": [...], "required": true}, ...]}` with
  kinds `choice` (one of `choices`), `multi_choice` (a list of distinct `choices`), `boolean` and `text`.
Other keys (`kind` of annotation, notes, geometry settings) are kept but not checked. An ontology with neither
form types nothing: any JSON answer fits it. Categorical fields (choice, multi_choice) are what agreement compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.services.errors import Path, ValidationFailed, Verbatim

__all__ = ["FIELD_KINDS", "FieldSpec", "OntologySpec", "parse_ontology"]

FIELD_KINDS = ("choice", "multi_choice", "boolean", "text")
_CATEGORICAL = ("choice", "multi_choice")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str
    choices: tuple[str, ...] = ()
    required: bool = False

    @property
    def categorical(self) -> bool:
        return self.kind in _CATEGORICAL

    def check(self, path: Path, value: Any) -> None:
        """Raise ValidationFailed naming `path` and the value when `value` does not fit this field."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ValidationFailed(path, value, f"must be one of {', '.join(self.choices)}")
        elif self.kind == "multi_choice":
            if not isinstance(value, list) or len(set(map(str, value))) != len(value):
                raise ValidationFailed(path, value, "must be a list of distinct choices")
            for index, item in enumerate(value):
                if item not in self.choices:
                    raise ValidationFailed((*path, index), item, f"must be one of {', '.join(self.choices)}")
        elif self.kind == "boolean" and not isinstance(value, bool):
            raise ValidationFailed(path, value, "must be true or false")
        elif self.kind == "text" and not isinstance(value, str):
            raise ValidationFailed(path, value, "must be a string")


@dataclass(frozen=True, slots=True)
class OntologySpec:
    fields: tuple[FieldSpec, ...] = ()

    @property
    def categorical_fields(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.categorical)

    def check_answer(self, answer: Any, *, path: Path = ("answer",)) -> None:
        """Raise ValidationFailed when `answer` does not fit: a missing required field, or a value out of range.
        Keys the ontology does not name are allowed (geometry, free-form extras)."""
        if not self.fields:
            return
        if not isinstance(answer, dict):
            raise ValidationFailed(path, answer, f"must be a JSON object with fields {', '.join(self.names)}")
        for spec in self.fields:
            if spec.name not in answer or answer[spec.name] is None:
                if spec.required:
                    raise ValidationFailed((*path, Verbatim(spec.name)), None, "is required by the ontology")
                continue
            spec.check((*path, Verbatim(spec.name)), answer[spec.name])

    def agreement_key(self, answer: Any) -> Any:
        """What agreement compares: the categorical fields of `answer` (multi-choice as a sorted list), or the
        whole answer when the ontology types no categorical field."""
        names = self.categorical_fields
        if not names or not isinstance(answer, dict):
            return answer
        key: dict[str, Any] = {}
        for name in names:
            value = answer.get(name)
            key[name] = sorted(map(str, value)) if isinstance(value, list) else value
        return key

    def stored_answer(self, answer: Any) -> Any:
        """`answer` in the form it is stored: each multi-choice field's list of choices sorted, as agreement keys
        are. A multi-choice is a set, and agreement and benchmark accuracy compare stored answers as text, so
        `["b", "a"]` and `["a", "b"]` must be stored alike; everything else is kept as given."""
        names = [spec.name for spec in self.fields if spec.kind == "multi_choice"]
        if not names or not isinstance(answer, dict):
            return answer
        stored = dict(answer)
        for name in names:
            value = answer.get(name)
            if isinstance(value, list) and all(isinstance(item, str) for item in value):
                stored[name] = sorted(value)
        return stored

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


def parse_ontology(ontology: Any, *, path: Path = ("ontology",)) -> OntologySpec:
    """The typed fields of `ontology`; ValidationFailed naming the offending key when they are malformed."""
    if not isinstance(ontology, dict):
        raise ValidationFailed(path, ontology, "must be a JSON object")
    fields: list[FieldSpec] = []
    if "fields" in ontology:
        entries = ontology["fields"]
        if not isinstance(entries, list):
            raise ValidationFailed((*path, "fields"), entries, "must be a list of field objects")
        fields = [_field((*path, "fields", index), entry) for index, entry in enumerate(entries)]
    elif "field" in ontology:
        name = _name((*path, "field"), ontology["field"])
        fields.append(FieldSpec(name, "choice", _choices((*path, "classes"), ontology.get("classes")), required=True))
        attributes = ontology.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ValidationFailed((*path, "attributes"), attributes, "must map attribute names to boolean or text")
        for attribute, kind in attributes.items():
            if kind not in ("boolean", "text"):
                raise ValidationFailed((*path, "attributes", Verbatim(attribute)), kind, "must be boolean or text")
            fields.append(FieldSpec(_name((*path, "attributes"), attribute), kind))
    names = [spec.name for spec in fields]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValidationFailed((*path, "fields"), duplicates, "must name each field once")
    return OntologySpec(tuple(fields))


def _field(path: Path, entry: Any) -> FieldSpec:
    if not isinstance(entry, dict):
        raise ValidationFailed(path, entry, "must be an object with name and kind")
    name = _name((*path, "name"), entry.get("name"))
    kind = entry.get("kind")
    if kind not in FIELD_KINDS:
        raise ValidationFailed((*path, "kind"), kind, f"must be one of {', '.join(FIELD_KINDS)}")
    required = entry.get("required", kind == "choice")
    if not isinstance(required, bool):
        raise ValidationFailed((*path, "required"), required, "must be true or false")
    choices = _choices((*path, "choices"), entry.get("choices")) if kind in _CATEGORICAL else ()
    return FieldSpec(name, kind, choices, required)


def _name(path: Path, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(path, value, "must be a non-empty string")
    return value


def _choices(path: Path, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise ValidationFailed(path, value, "must be a non-empty list of non-empty strings")
    if len(set(value)) != len(value):
        raise ValidationFailed(path, value, "must not repeat a choice")
    return tuple(value)
