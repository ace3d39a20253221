"""Plain records that every source parser produces, and the reading helpers the parsers share.

The three providers (Open States, LegiScan, Congress.gov) are parsed into the same frozen dataclasses, so the
importers and the stage mapping never see a provider's JSON. Nothing here touches the ORM or the network.

Parsers read payloads through the small ``as_*`` helpers below: each takes the value and the place it came from
(``"results[3].actions[2].date"``) and either returns a clean Python value or raises :class:`ParseError` naming
that place, so a bad file can be reported precisely (the caller adds the file name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


class ParseError(ValueError):
    """A payload could not be read; ``where`` is the path inside it, e.g. ``bill.progress[1].date``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message

    def inside(self, prefix: str, separator: str = ".") -> ParseError:
        """The same error, located under ``prefix`` (an outer key or index, or a file name)."""
        return type(self)(join_path(prefix, self.where, separator), self.message)


class SourceError(ParseError):
    """The source answered with an error envelope (LegiScan ``status: ERROR``, an API ``error`` object)."""


@dataclass(frozen=True, slots=True)
class StageResult:
    """A bill's current stage and the furthest milestone it reached, each with the date it was reached."""

    stage: str
    stage_date: date | None
    furthest_stage: str
    furthest_date: date | None


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One action in a bill's history; ``classification`` uses the Open States action vocabulary."""

    order: int
    date: date | None
    description: str
    chamber: str  # 'upper' | 'lower' | 'executive' | 'legislature' | ''
    actor: str  # organization name as the source gives it
    classification: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SponsorRecord:
    name: str
    primary: bool
    classification: str = ""
    entity_type: str = ""


@dataclass(frozen=True, slots=True)
class SourceLinkRecord:
    url: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A legislative session; ``ended`` and ``carries_over`` are None when the payload does not say."""

    identifier: str
    name: str
    classification: str = ""  # 'primary' | 'special' | ''
    start_date: date | None = None
    end_date: date | None = None
    ended: bool | None = None
    carries_over: bool | None = None
    year_start: int | None = None  # as the source states them (LegiScan); None when it does not
    year_end: int | None = None


@dataclass(frozen=True, slots=True)
class BillRecord:
    """A bill as one source describes it.

    ``status`` is computed from the actions alone; the session-end rule (``stages.apply_session_end``) is left to
    the caller, which knows about sessions beyond this payload. ``extras["actions_included"]`` is always set: when
    False the payload did not carry actions (a list entry, a bill fetched without them), so existing actions must
    be kept rather than replaced by an empty list.
    """

    source: str
    source_id: str
    jurisdiction: str  # lowercase postal code: 'ca', 'dc', 'pr', 'us'
    session: SessionRecord
    identifier: str  # normalised, see normalise_identifier
    source_identifier: str  # as the source spells it
    title: str
    status: StageResult
    summary: str = ""
    classification: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    sponsors: tuple[SponsorRecord, ...] = ()
    sources: tuple[SourceLinkRecord, ...] = ()
    external_ids: tuple[tuple[str, str], ...] = ()  # (source, id) pairs, including this source's own
    url: str = ""
    updated_at: datetime | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def join_path(prefix: str, where: str, separator: str = ".") -> str:
    """``join_path("results[3]", "actions[2].date") == "results[3].actions[2].date"``."""
    if not prefix or not where:
        return prefix or where
    return prefix + ("" if where.startswith("[") else separator) + where


@contextmanager
def located(prefix: str, separator: str = ".") -> Iterator[None]:
    """Re-raise any ParseError from the block with its place prefixed by ``prefix`` (a key, or with
    ``separator=":"`` a file inside an archive: ``AK/2011/bill/HB1.json:bill.progress[1]``)."""
    try:
        yield
    except ParseError as exc:
        raise exc.inside(prefix, separator) from None


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def as_mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParseError(where, f"expected an object, got {_kind(value)}")
    return value


def as_list(value: object, where: str, *, default_empty: bool = False) -> list[Any]:
    """A JSON array; with ``default_empty`` a missing value (None) reads as []."""
    if value is None and default_empty:
        return []
    if not isinstance(value, list):
        raise ParseError(where, f"expected a list, got {_kind(value)}")
    return value


def require(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ParseError(join_path(where, key), "missing")
    return obj[key]


def as_str(value: object, where: str, *, required: bool = False) -> str:
    """Text, trimmed; None reads as "" unless ``required``. Numbers are accepted (ids often come as numbers)."""
    if value is None or value == "":
        if required:
            raise ParseError(where, "must not be empty")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(where, f"expected text, got {_kind(value)}")
    return str(value).strip()


def as_int(value: object, where: str) -> int:
    """An integer, also from a string of digits ("4"), as LegiScan sends some numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ParseError(where, f"expected an integer, got {value!r}")


_TRUE = frozenset({"1", "y", "yes", "true", "t"})
_FALSE = frozenset({"0", "n", "no", "false", "f"})


def as_bool(value: object, where: str) -> bool | None:
    """True/False from booleans, 0/1, "Y"/"N", "true"/"false"; None or "" (not said) reads as None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ParseError(where, f"expected a yes/no value, got {value!r}")


def as_str_tuple(value: object, where: str) -> tuple[str, ...]:
    """A list of strings (None reads as empty); blank entries are dropped."""
    items = as_list(value, where, default_empty=True)
    texts = (as_str(item, f"{where}[{index}]") for index, item in enumerate(items))
    return tuple(text for text in texts if text)


_ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")
# Open Civic Data dates may be fuzzy: a year or a year and month when the day is not known.
_FUZZY_DATE = re.compile(r"\d{4}(?:-\d{2})?")


def _iso(value: object, where: str) -> date | datetime | None:
    """The date or datetime in an ISO string; None for the sources' ways of saying "no date"."""
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ParseError(where, f"expected a date, got {_kind(value)}")
    text = value.strip()
    if not text or text.startswith("0000-00-00") or _FUZZY_DATE.fullmatch(text):
        return None  # no date, or no day: a guessed day would be a made-up fact
    if not _ISO_DATE_START.match(text):
        raise ParseError(where, f"not a date: {value!r}")
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(where, f"not a date: {value!r}") from None


def parse_date(value: object, where: str) -> date | None:
    """A calendar date from "YYYY-MM-DD" or an ISO datetime (the date as written, not converted to UTC).

    "", None, LegiScan's "0000-00-00" and fuzzy Open Civic Data dates ("2021", "2021-04") give None; anything else
    unreadable is a ParseError.
    """
    parsed = _iso(value, where)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def parse_datetime(value: object, where: str) -> datetime | None:
    """An aware datetime; a bare date is midnight UTC and a naive time is taken as UTC (sources' update times)."""
    parsed = _iso(value, where)
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_IDENTIFIER = re.compile(r"([A-Z][A-Z.\s-]*?)[\s.-]*0*(\d+)([A-Z]*)")


def normalise_identifier(raw: str) -> str:
    """Letters upper-case, one space, number without leading zeros: "H.J.Res. 3" -> "HJRES 3", "SB 0180" -> "SB 180".

    Identifiers that are not letters followed by a number are only upper-cased with their spaces collapsed.
    """
    text = " ".join(raw.upper().split())
    match = _IDENTIFIER.fullmatch(text)
    if not match:
        return text
    prefix, number, suffix = match.groups()
    return f"{re.sub(r'[^A-Z]', '', prefix)} {number}{suffix}"


class Node:
    """A JSON object read with its place in the payload, so every error names where it happened.

    ``Node(payload, "bill").text("title")`` reads ``bill.title``; ``node.nodes("history")`` yields the entries of
    ``bill.history`` as Nodes located at ``bill.history[0]``, ``bill.history[1]``, ...

    Speed: parsing a bulk import reads millions of values, and almost all of them are well formed. So the readers
    take the common case first (a non-empty string, an ISO date, an int, a dict) without building the value's place,
    and a Node's own place is only spelled out when an error (or a caller) asks for it (``where``); anything
    unusual goes through the ``as_*`` helpers above, with the same results and the same errors.
    """

    __slots__ = ("_where", "data")

    def __init__(self, value: object, where: str | tuple[Node, str, int | None] = "") -> None:
        # `where` is the place, or (parent, key, index) for a child whose place is spelled out on demand.
        self._where = where
        self.data = value if type(value) is dict else as_mapping(value, self.where)

    @property
    def where(self) -> str:
        where = self._where
        if type(where) is tuple:
            parent, key, index = where
            where = join_path(parent.where, key)
            if index is not None:
                where = f"{where}[{index}]"
            self._where = where
        return where

    def at(self, key: str) -> str:
        return join_path(self.where, key)

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def require(self, key: str) -> Any:
        if key in self.data:
            return self.data[key]
        return require(self.data, key, self.where)

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.data.get(key)
        if type(value) is str and value:
            return value.strip()
        value = self.require(key) if required else value
        return as_str(value, self.at(key), required=required)

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if type(value) is int:
            return value
        return as_int(self.require(key), self.at(key))

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if type(value) is bool:
            return value
        return as_bool(value, self.at(key))

    def date(self, key: str) -> date | None:
        value = self.data.get(key)
        if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass  # the full reader says why (or that "0000-00-00" means no date)
        return parse_date(value, self.at(key))

    def datetime(self, key: str) -> datetime | None:
        return parse_datetime(self.data.get(key), self.at(key))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if type(value) is list and all(type(item) is str for item in value):
            stripped = [item.strip() for item in value]
            return tuple(text for text in stripped if text)
        return as_str_tuple(value, self.at(key))

    def node(self, key: str) -> Node:
        return Node(self.require(key), (self, key, None))

    def optional_node(self, key: str) -> Node | None:
        value = self.data.get(key)
        return None if value is None else Node(value, (self, key, None))

    def nodes(self, key: str) -> list[Node]:
        """The objects in the list at ``key``; a missing or null list reads as empty."""
        value = self.data.get(key)
        items = value if type(value) is list else as_list(value, self.at(key), default_empty=True)
        return [Node(item, (self, key, index)) for index, item in enumerate(items)]
