"""What a subscription can follow: one entry per kind of target.

A subscription points at its target generically (content type and id), so following a new kind of object is one
entry here: its model, how the public names it in a form (`jurisdiction:ca`, `recommendation:PM-1`, `bill:42`) and
the changefeed filter (`recommendations.selectors.change_list_recent`'s arguments) that gives its changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model


@dataclass(frozen=True, slots=True)
class TargetKind:
    name: str
    model: str  # app_label.ModelName
    key: str  # the field the public form names it by
    changes: Callable[[Any], dict[str, Any]]  # changefeed filter of one target
    label: Callable[[Any], str]

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


TARGET_KINDS: dict[str, TargetKind] = {
    kind.name: kind
    for kind in (
        TargetKind("jurisdiction", "legislation.Jurisdiction", "code", lambda j: {"jurisdictions": [j]}, str),
        TargetKind(
            "recommendation",
            "recommendations.Recommendation",
            "code",
            lambda r: {"recommendation": r.code},
            lambda r: f"{r.code} {r.title}",
        ),
        TargetKind(
            "bill",
            "legislation.Bill",
            "pk",
            lambda b: {"bill": b.pk},
            lambda b: f"{b.jurisdiction.code.upper()} {b.identifier} ({b.session.identifier}): {b.title}",
        ),
        TargetKind("measure", "recommendations.Measure", "pk", lambda m: {"measure": m.pk}, lambda m: m.title),
    )
}


def target_kind_of(obj: Model) -> TargetKind | None:
    label = obj._meta.label
    return next((kind for kind in TARGET_KINDS.values() if kind.model == label), None)


def target_from_key(value: str) -> Model | None:
    """The object a form names as `kind:key` (`jurisdiction:ca`), or None when there is no such target."""
    name, _, key = (value or "").partition(":")
    kind = TARGET_KINDS.get(name)
    if kind is None or not key:
        return None
    if kind.key == "pk" and not key.isdigit():
        return None
    return kind.model_class()._default_manager.filter(**{kind.key: key}).first()


def target_key(obj: Model) -> str:
    kind = target_kind_of(obj)
    if kind is None:
        raise ValueError(f"{obj._meta.label} cannot be followed")
    return f"{kind.name}:{getattr(obj, kind.key)}"


def target_content_types() -> dict[int, TargetKind]:
    """Content type id of each target kind's model."""
    return {ContentType.objects.get_for_model(kind.model_class()).pk: kind for kind in TARGET_KINDS.values()}


def target_keys_validate(value: object) -> None:
    """A webhook's targets: a list of `kind:key` strings, each naming a target that exists."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError('A list of targets such as ["jurisdiction:ca", "recommendation:PM-1", "bill:42"].')
    unknown = [item for item in value if target_from_key(item) is None]
    if unknown:
        raise ValidationError(f"No such target: {', '.join(unknown)}.")
