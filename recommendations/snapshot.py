"""Snapshots of the editorial data: everything people wrote, as one versioned JSON-lines document.

`manage.py export_snapshot FILE` writes it; `manage.py import_snapshot FILE [--dry-run]` restores it, into the same
database or into one rebuilt from the sources. What is in it, in this order (a record needs only records before it):

users (the accounts named anywhere below: username, names, email), jurisdictions (with their editorial facts:
carries_over, the signing window and their sources), reports, audiences, recommendations (with the sub-items staff
added), measures, bills
(only their editorial fields, `popular_title` and `staff_notes`, for bills that have them or are linked or triaged),
links, progress (overrides, proposals and review fields), saved searches, triage candidates and decisions, session
match reviews, then the django-simple-history rows of recommendations, measures, links, progress and candidates
(who, when, why), and an `end` record with the counts (a file cut short is refused).

References between records are natural keys: a jurisdiction by its code, a bill by (jurisdiction, session
identifier, identifier) and its external ids, a recommendation by (report, code), a user by username. Measures and
saved searches have no natural key that survives edits, so they are referred to by their id in the exporting database
(`id`); recommendations, links, progress and candidates carry theirs too, for their history rows (which name their
object by id). An import matches each by its natural key (a measure by jurisdiction, kind and title; a link by
recommendation and bill or measure; ...), maps the ids, and creates a missing row with its old id when that id is
free (a restore into emptied tables gives the same ids, and the same document on export).

An import writes in one transaction: all of it or nothing. It creates what is missing and updates what differs; it
deletes nothing. History rows are added when missing (matched by object, time and type), without creating new ones.
A referenced bill or session that the database does not hold refuses the whole import, with the list: a link or
candidate dropped silently would change progress and the public pages, so the bills are imported first (import_bills
or a sync) and the snapshot again. Accounts named in the snapshot but missing are created inactive, without a usable
password, so that history keeps its authors (an administrator activates them or not).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

from legislation.models import Bill, BillExternalId, Jurisdiction, LegislativeSession, SessionMatchReview

from .models import (
    Audience,
    BillLink,
    Measure,
    Progress,
    Recommendation,
    Report,
    SavedSearch,
    TriageCandidate,
)

FORMAT = "tracker-editorial-snapshot"
VERSION = 1

User = get_user_model()


class SnapshotError(Exception):
    """The file cannot be imported (malformed, another format or version, cut short, or it names what is missing)."""


# --- Keys -------------------------------------------------------------------------------------------------------

# Records of these types carry their exporting id, matched on import by the natural key below.
REF_MODELS: dict[str, type[models.Model]] = {
    "measure": Measure,
    "billlink": BillLink,
    "progress": Progress,
    "savedsearch": SavedSearch,
    "triagecandidate": TriageCandidate,
}
# Types referred to by natural key.
KEYED_MODELS: dict[type[models.Model], str] = {
    Jurisdiction: "jurisdiction",
    LegislativeSession: "session",
    Bill: "bill",
    Report: "report",
    Audience: "audience",
    Recommendation: "recommendation",
}
HISTORY_MODELS: dict[str, type[models.Model]] = {
    "recommendation": Recommendation,
    "measure": Measure,
    "billlink": BillLink,
    "progress": Progress,
    "triagecandidate": TriageCandidate,
}


def _plain(value: Any) -> Any:
    """A field value as JSON: dates and times in ISO 8601 (microseconds kept), JSON fields as they are."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


class _Keys:
    """Natural keys of the rows records refer to, looked up once each."""

    def __init__(self) -> None:
        self.cache: dict[tuple[type, int], Any] = {}

    def key(self, model: type[models.Model], pk: int | None) -> Any:
        if pk is None:
            return None
        if model is User or model._meta.label == User._meta.label:
            model = User
        if model._meta.model_name in REF_MODELS:
            return pk
        if (model, pk) not in self.cache:
            self.cache[(model, pk)] = self._lookup(model, pk)
        return self.cache[(model, pk)]

    @staticmethod
    def _lookup(model: type[models.Model], pk: int) -> Any:
        # A history row may name a row deleted since (history keeps no constraint): it keeps the raw id.
        if model is User:
            name = User.objects.filter(pk=pk).values_list(User.USERNAME_FIELD, flat=True).first()
            return name if name is not None else {"id": pk}
        if model is Jurisdiction:
            code = Jurisdiction.objects.filter(pk=pk).values_list("code", flat=True).first()
            return code if code is not None else {"id": pk}
        if model is LegislativeSession:
            row = LegislativeSession.objects.filter(pk=pk).values_list("jurisdiction__code", "identifier").first()
            return list(row) if row else {"id": pk}
        if model is Bill:
            row = (
                Bill.objects.filter(pk=pk)
                .values_list("jurisdiction__code", "session__identifier", "identifier")
                .first()
            )
            return list(row) if row else {"id": pk}
        if model is Report:
            slug = Report.objects.filter(pk=pk).values_list("slug", flat=True).first()
            return slug if slug is not None else {"id": pk}
        if model is Audience:
            row = Audience.objects.filter(pk=pk).values_list("report__slug", "slug").first()
            return list(row) if row else {"id": pk}
        if model is Recommendation:
            row = Recommendation.objects.filter(pk=pk).values_list("report__slug", "code").first()
            return list(row) if row else {"id": pk}
        raise SnapshotError(f"No key for {model._meta.label}")


# Fields a database computes from others (a link's copy of its recommendation's place in the report): not in a
# snapshot, set again when the record is loaded.
DERIVED = {"billlink": ("position",)}


def _fields(model: type[models.Model], exclude: Iterable[str] = ()) -> list[models.Field]:
    skip = set(exclude)
    return [f for f in model._meta.concrete_fields if f.name not in skip and not f.primary_key]


def _record(kind: str, obj: models.Model, keys: _Keys, *, exclude: Iterable[str] = (), ref: bool = False) -> dict:
    record: dict[str, Any] = {"type": kind}
    if ref:
        record["id"] = obj.pk
    for f in _fields(type(obj), exclude):
        value = getattr(obj, f.attname)
        record[f.name] = keys.key(f.related_model, value) if f.is_relation else _plain(value)
    return record


# --- Export -----------------------------------------------------------------------------------------------------


def _user_ids() -> set[int]:
    ids: set[int] = set()
    for model in [*REF_MODELS.values(), Recommendation, *(m.history.model for m in HISTORY_MODELS.values())]:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model._meta.label == User._meta.label:
                ids.update(model.objects.exclude(**{f.attname: None}).values_list(f.attname, flat=True).distinct())
    return ids


def _by_depth(rows: list, parent_attr: str) -> list:
    """Parents before their children."""
    by_pk = {row.pk: row for row in rows}

    def depth(row: Any) -> int:
        n, seen = 0, set()
        while (parent := getattr(row, parent_attr)) in by_pk and parent not in seen:
            seen.add(parent)
            row, n = by_pk[parent], n + 1
        return n

    return sorted(rows, key=lambda row: (depth(row), row.pk))


def snapshot_records(*, exported_at: datetime.datetime | None = None) -> Iterator[dict]:
    """The snapshot's records, in order, read a chunk at a time."""
    keys = _Keys()
    counts: dict[str, int] = {}

    def emit(record: dict) -> dict:
        counts[record["type"]] = counts.get(record["type"], 0) + 1
        return record

    yield {"format": FORMAT, "version": VERSION, "exported_at": _plain(exported_at) if exported_at else None}
    # Rows are emitted before the records naming them: their keys are remembered on the way (one query per table,
    # not one per reference).
    for user in User.objects.filter(pk__in=_user_ids()).order_by(User.USERNAME_FIELD):
        keys.cache[(User, user.pk)] = user.get_username()
        yield emit(
            {
                "type": "user",
                "username": user.get_username(),
                "email": getattr(user, "email", ""),
                "first_name": getattr(user, "first_name", ""),
                "last_name": getattr(user, "last_name", ""),
            }
        )
    for jurisdiction in _by_depth(list(Jurisdiction.objects.order_by("code")), "parent_id"):
        keys.cache[(Jurisdiction, jurisdiction.pk)] = jurisdiction.code
        yield emit(_record("jurisdiction", jurisdiction, keys))
    for report in Report.objects.order_by("slug"):
        keys.cache[(Report, report.pk)] = report.slug
        yield emit(_record("report", report, keys))
    for audience in Audience.objects.order_by("report__slug", "slug"):
        yield emit(_record("audience", audience, keys))
    for rec in _by_depth(list(Recommendation.objects.order_by("report__slug", "code")), "parent_id"):
        yield emit(_record("recommendation", rec, keys, ref=True))
        keys.cache[(Recommendation, rec.pk)] = [keys.key(Report, rec.report_id), rec.code]
    for measure in Measure.objects.order_by("pk").iterator(chunk_size=500):
        yield emit(_record("measure", measure, keys, ref=True))
    editorial = (
        models.Q(links__isnull=False)
        | models.Q(triage_candidates__isnull=False)
        | ~models.Q(popular_title="")
        | ~models.Q(staff_notes="")
    )
    bills = (
        Bill.objects.filter(editorial).distinct().order_by("jurisdiction__code", "session__identifier", "identifier")
    )
    for bill in bills.select_related("jurisdiction", "session").prefetch_related("external_ids").iterator(500):
        keys.cache[(Bill, bill.pk)] = [bill.jurisdiction.code, bill.session.identifier, bill.identifier]
        yield emit(
            {
                "type": "bill",
                "key": keys.cache[(Bill, bill.pk)],
                "external_ids": sorted([x.source, x.external_id] for x in bill.external_ids.all()),
                "popular_title": bill.popular_title,
                "staff_notes": bill.staff_notes,
            }
        )
    for kind in ("billlink", "progress"):
        for obj in REF_MODELS[kind].objects.order_by("pk").iterator(chunk_size=500):
            yield emit(_record(kind, obj, keys, exclude=DERIVED.get(kind, ()), ref=True))
    for search in SavedSearch.objects.order_by("pk").prefetch_related("jurisdictions"):
        record = _record("savedsearch", search, keys, ref=True)
        record["jurisdictions"] = sorted(j.code for j in search.jurisdictions.all())
        yield emit(record)
    for candidate in TriageCandidate.objects.order_by("pk").iterator(chunk_size=500):
        yield emit(_record("triagecandidate", candidate, keys, ref=True))
    reviews = SessionMatchReview.objects.order_by("jurisdiction__code", "source", "external_id")
    for review in reviews.prefetch_related("candidates"):
        record = _record("sessionmatchreview", review, keys)
        record["candidates"] = sorted(keys.key(LegislativeSession, s.pk) for s in review.candidates.all())
        yield emit(record)
    for name, model in HISTORY_MODELS.items():
        history = model.history.model
        for row in history.objects.order_by("history_date", "history_id").iterator(chunk_size=1000):
            record = _record("history", row, keys)
            record["id"] = row.id
            record = {"type": "history", "model": name, **{k: v for k, v in record.items() if k != "type"}}
            yield emit(record)
    yield {"type": "end", "counts": counts}


def export_snapshot(stream: IO[str], *, exported_at: datetime.datetime | None = None) -> dict[str, int]:
    """Write the snapshot to `stream`, one JSON record a line; returns the counts per type."""
    counts: dict[str, int] = {}
    for record in snapshot_records(exported_at=exported_at):
        stream.write(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
        stream.write("\n")
        if record.get("type") == "end":
            counts = record["counts"]
    return counts


# --- Import -----------------------------------------------------------------------------------------------------


@dataclass
class SnapshotImport:
    """What an import did (or, in a dry run, would do)."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, what: str, kind: str, change: str = "") -> None:
        bucket = getattr(self, what)
        bucket[kind] = bucket.get(kind, 0) + 1
        if change:
            self.changes.append(change)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _Missing(Exception):
    pass


class _DryRun(Exception):
    pass


class _Importer:
    def __init__(self, result: SnapshotImport) -> None:
        self.result = result
        # Exporting id -> id here, per type that carries one.
        self.ids: dict[str, dict[int, int]] = {kind: {} for kind in REF_MODELS}
        self.cache: dict[tuple[str, str], int] = {}
        self.history_seen: dict[str, set[tuple[int, str, str]]] = {}
        self.created_with_ids: set[type[models.Model]] = set()
        self.existing: dict[tuple[str, tuple[str, ...]], dict[tuple, models.Model]] = {}

    # Resolving keys to ids here.

    def resolve(self, model: type[models.Model], key: Any, *, missing_ok: bool = False) -> int | None:
        if key is None:
            return None
        if isinstance(key, dict):  # a row deleted in the exporting database, named only in history
            return int(key["id"])
        if model._meta.label == User._meta.label:
            model = User
        name = model._meta.model_name
        if name in REF_MODELS:
            return self.ids[name].get(int(key), int(key))
        cache_key = (name, json.dumps(key))
        if cache_key not in self.cache:
            pk = self._find(model, key)
            if pk is None:
                if missing_ok:
                    return None
                raise _Missing(f"{name} {key}")
            self.cache[cache_key] = pk
        return self.cache[cache_key]

    @staticmethod
    def _find(model: type[models.Model], key: Any) -> int | None:
        values = {
            User: lambda: User.objects.filter(**{User.USERNAME_FIELD: key}),
            Jurisdiction: lambda: Jurisdiction.objects.filter(code=key),
            LegislativeSession: lambda: LegislativeSession.objects.filter(
                jurisdiction__code=key[0], identifier=key[1]
            ),
            Bill: lambda: Bill.objects.filter(
                jurisdiction__code=key[0], session__identifier=key[1], identifier=key[2]
            ),
            Report: lambda: Report.objects.filter(slug=key),
            Audience: lambda: Audience.objects.filter(report__slug=key[0], slug=key[1]),
            Recommendation: lambda: Recommendation.objects.filter(report__slug=key[0], code=key[1]),
        }
        if model not in values:
            raise SnapshotError(f"No key for {model._meta.label}")
        return values[model]().values_list("pk", flat=True).first()

    def values(self, model: type[models.Model], record: dict, exclude: Iterable[str] = ()) -> dict[str, Any]:
        """The record's field values as this database stores them (attnames)."""
        out: dict[str, Any] = {}
        for f in _fields(model, exclude):
            if f.name not in record:
                raise SnapshotError(f"{record.get('type')} record without {f.name!r}")
            value = record[f.name]
            if f.is_relation:
                out[f.attname] = self.resolve(f.related_model, value)
            else:
                try:
                    out[f.attname] = f.to_python(value)
                except ValidationError as error:
                    raise SnapshotError(f"{f.name}: {'; '.join(error.messages)}") from None
        return out

    # Writing.

    def upsert(
        self,
        kind: str,
        model: type[models.Model],
        lookup: dict[str, Any],
        values: dict[str, Any],
        *,
        label: str,
        ref: int | None = None,
        preload: bool = True,
    ) -> models.Model:
        if preload:
            # Editorial tables are small: each is read once (per set of lookup fields), not once per record.
            fields = tuple(sorted(lookup))
            if (kind, fields) not in self.existing:
                rows = model.objects.all()
                self.existing[(kind, fields)] = {tuple(getattr(o, f) for f in fields): o for o in rows.iterator()}
            existing = self.existing[(kind, fields)]
            obj = existing.get(tuple(lookup[f] for f in fields))
        else:
            obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**values)
            if preload:
                existing[tuple(lookup[f] for f in fields)] = obj
            if ref is not None and not model.objects.filter(pk=ref).exists():
                obj.pk = ref
                self.created_with_ids.add(model)
            obj.skip_history_when_saving = True
            obj.save(force_insert=True)
            self.result.count("created", kind, f"create {kind} {label}")
        else:
            differ = [name for name, value in values.items() if getattr(obj, name) != value]
            if differ:
                for name in differ:
                    setattr(obj, name, values[name])
                obj.skip_history_when_saving = True
                obj.save(update_fields=differ)
                self.result.count("updated", kind, f"update {kind} {label}: {', '.join(sorted(differ))}")
            else:
                self.result.count("unchanged", kind)
        if ref is not None:
            self.ids.setdefault(kind, {})[ref] = obj.pk
        return obj

    def record(self, record: dict) -> None:
        kind = record.get("type")
        handler = getattr(self, f"on_{kind}", None)
        if handler is None:
            raise SnapshotError(f"unknown record type {kind!r}")
        handler(record)

    def on_user(self, record: dict) -> None:
        username = record["username"]
        if User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
            self.result.count("unchanged", "user")
            return
        user = User(**{User.USERNAME_FIELD: username}, is_active=False)
        for name in ("email", "first_name", "last_name"):
            if hasattr(user, name):
                setattr(user, name, record.get(name, ""))
        user.set_unusable_password()
        user.save()
        self.result.count("created", "user", f"create user {username} (inactive, no usable password)")

    def on_jurisdiction(self, record: dict) -> None:
        values = self.values(Jurisdiction, record)
        self.upsert("jurisdiction", Jurisdiction, {"code": values["code"]}, values, label=values["code"])

    def on_report(self, record: dict) -> None:
        values = self.values(Report, record)
        self.upsert("report", Report, {"slug": values["slug"]}, values, label=values["slug"])

    def on_audience(self, record: dict) -> None:
        values = self.values(Audience, record)
        lookup = {"report_id": values["report_id"], "slug": values["slug"]}
        self.upsert("audience", Audience, lookup, values, label=f"{record['report']}/{values['slug']}")

    def on_recommendation(self, record: dict) -> None:
        values = self.values(Recommendation, record)
        lookup = {"report_id": values["report_id"], "code": values["code"]}
        label = f"{record['report']} {values['code']}"
        self.upsert("recommendation", Recommendation, lookup, values, label=label, ref=int(record["id"]))

    def on_measure(self, record: dict) -> None:
        values = self.values(Measure, record)
        lookup = {k: values[k] for k in ("jurisdiction_id", "kind", "title")}
        label = f"{record['jurisdiction']}: {values['title'][:60]}"
        self.upsert("measure", Measure, lookup, values, label=label, ref=int(record["id"]))

    def on_bill(self, record: dict) -> None:
        key = record["key"]
        fields = ("pk", "popular_title", "staff_notes")
        bill = (
            Bill.objects.filter(jurisdiction__code=key[0], session__identifier=key[1], identifier=key[2])
            .only(*fields)
            .first()
        )
        pk = bill.pk if bill else None
        if pk is None:
            for source, external_id in record.get("external_ids", []):
                found = BillExternalId.objects.filter(source=source, external_id=external_id).first()
                if found:
                    pk = found.bill_id
                    break
        if pk is None:
            ids = ", ".join(f"{s}:{x}" for s, x in record.get("external_ids", [])) or "no external ids"
            raise _Missing(f"bill {' '.join(key)} ({ids})")
        self.cache[("bill", json.dumps(key))] = pk
        values = {"popular_title": str(record["popular_title"]), "staff_notes": str(record["staff_notes"])}
        if bill is not None and all(getattr(bill, name) == value for name, value in values.items()):
            self.result.count("unchanged", "bill")
            return
        self.upsert("bill", Bill, {"pk": pk}, values, label=" ".join(key), preload=False)

    def on_billlink(self, record: dict) -> None:
        values = self.values(BillLink, record, exclude=DERIVED["billlink"])
        lookup = {"recommendation_id": values["recommendation_id"]}
        lookup |= {"bill_id": values["bill_id"]} if values["bill_id"] else {"measure_id": values["measure_id"]}
        label = f"{record['recommendation'][1]} - {record['bill'] or 'measure ' + str(record['measure'])}"
        self.upsert("billlink", BillLink, lookup, values, label=label, ref=int(record["id"]))

    def on_progress(self, record: dict) -> None:
        values = self.values(Progress, record)
        lookup = {k: values[k] for k in ("recommendation_id", "jurisdiction_id")}
        label = f"{record['recommendation'][1]} in {record['jurisdiction']}"
        self.upsert("progress", Progress, lookup, values, label=label, ref=int(record["id"]))

    def on_savedsearch(self, record: dict) -> None:
        values = self.values(SavedSearch, record)
        lookup = {k: values[k] for k in ("recommendation_id", "name", "keywords")}
        label = f"{record['recommendation'][1]} {values['name'] or values['keywords'][:40]!r}"
        search = self.upsert("savedsearch", SavedSearch, lookup, values, label=label, ref=int(record["id"]))
        wanted = {self.resolve(Jurisdiction, code) for code in record.get("jurisdictions", [])}
        if set(search.jurisdictions.values_list("pk", flat=True)) != wanted:
            search.jurisdictions.set(wanted)
            self.result.count("updated", "savedsearch", f"update savedsearch {label}: jurisdictions")

    def on_triagecandidate(self, record: dict) -> None:
        values = self.values(TriageCandidate, record)
        lookup = {k: values[k] for k in ("recommendation_id", "bill_id")}
        label = f"{record['recommendation'][1]} - {' '.join(record['bill'])}"
        self.upsert("triagecandidate", TriageCandidate, lookup, values, label=label, ref=int(record["id"]))

    def on_sessionmatchreview(self, record: dict) -> None:
        values = self.values(SessionMatchReview, record)
        lookup = {k: values[k] for k in ("jurisdiction_id", "source", "external_id")}
        label = f"{record['jurisdiction']} {values['source']}:{values['external_id']}"
        review = self.upsert("sessionmatchreview", SessionMatchReview, lookup, values, label=label)
        # created_at is set on insert (auto_now_add): the snapshot's time is written after.
        SessionMatchReview.objects.filter(pk=review.pk).update(created_at=values["created_at"])
        wanted = {self.resolve(LegislativeSession, key) for key in record.get("candidates", [])}
        if set(review.candidates.values_list("pk", flat=True)) != wanted:
            review.candidates.set(wanted)
            self.result.count("updated", "sessionmatchreview", f"update sessionmatchreview {label}: candidates")

    def on_history(self, record: dict) -> None:
        name = record.get("model")
        if name not in HISTORY_MODELS:
            raise SnapshotError(f"history of unknown model {name!r}")
        history = HISTORY_MODELS[name].history.model
        values = self.values(history, record, exclude=["history_id"])
        if name == "recommendation":
            values["id"] = self._recommendation_id(record)
        else:
            values["id"] = self.ids[name].get(int(record["id"]), int(record["id"]))
        if name not in self.history_seen:
            self.history_seen[name] = {
                (pk, when.isoformat(), kind)
                for pk, when, kind in history.objects.values_list("id", "history_date", "history_type")
            }
        seen_key = (values["id"], values["history_date"].isoformat(), values["history_type"])
        if seen_key in self.history_seen[name]:
            self.result.count("unchanged", f"history:{name}")
            return
        history.objects.bulk_create([history(**values)])
        self.history_seen[name].add(seen_key)
        self.result.count("created", f"history:{name}", f"add history {name} {record['history_date']}")

    def _recommendation_id(self, record: dict) -> int:
        """A recommendation's history row names it by its id there: the recommendation of that report and code
        here, when it exists (else the id as it was)."""
        if int(record["id"]) in self.ids.get("recommendation", {}):
            return self.ids["recommendation"][int(record["id"])]
        key = [record["report"], record["code"]] if not isinstance(record["report"], dict) else None
        found = self.resolve(Recommendation, key, missing_ok=True) if key else None
        return found if found is not None else int(record["id"])

    def on_end(self, record: dict) -> None:
        pass

    def reset_sequences(self) -> None:
        if self.created_with_ids:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), sorted(self.created_with_ids, key=str)):
                    cursor.execute(sql)


def _lines(stream: IO[str]) -> Iterator[tuple[int, dict]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise SnapshotError(f"line {number}: not JSON ({error})") from None
        if not isinstance(record, dict):
            raise SnapshotError(f"line {number}: a record is a JSON object")
        yield number, record


def import_snapshot(stream: IO[str], *, dry_run: bool = False) -> SnapshotImport:
    """Restore a snapshot (see the module's docstring), in one transaction; a dry run rolls it back.

    Raises SnapshotError for a malformed file (nothing written) or when bills or sessions it names are missing
    (`result.missing` lists them; nothing written)."""
    result = SnapshotImport(dry_run=dry_run)
    importer = _Importer(result)
    records = _lines(stream)
    try:
        _, header = next(records)
    except StopIteration:
        raise SnapshotError("empty file: not a snapshot") from None
    if header.get("format") != FORMAT:
        raise SnapshotError(f"line 1: not a {FORMAT} file")
    if header.get("version") != VERSION:
        raise SnapshotError(f"line 1: version {header.get('version')!r}; this code reads version {VERSION}")
    try:
        with transaction.atomic():
            ended = False
            for number, record in records:
                if ended:
                    raise SnapshotError(f"line {number}: records after the end record")
                try:
                    importer.record(record)
                except _Missing as missing:
                    if str(missing) not in result.missing:
                        result.missing.append(str(missing))
                except SnapshotError as error:
                    raise SnapshotError(f"line {number}: {error}") from None
                except DatabaseError as error:
                    raise SnapshotError(
                        f"line {number}: the database refused a {record.get('type')} record: {error}"
                    ) from None
                except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
                    raise SnapshotError(f"line {number}: malformed {record.get('type')} record ({error!r})") from None
                ended = record.get("type") == "end"
            if not ended:
                raise SnapshotError("the file ends without its end record: cut short, nothing imported")
            if result.missing:
                raise SnapshotError(
                    f"{len(result.missing)} referenced rows are not in this database (import their bills first; "
                    "nothing imported): " + "; ".join(result.missing[:50])
                )
            importer.reset_sequences()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


def import_snapshot_path(path: str, *, dry_run: bool = False) -> SnapshotImport:
    with open(path, encoding="utf-8") as stream:
        return import_snapshot(stream, dry_run=dry_run)


def export_snapshot_path(path: str, **kwargs: Any) -> dict[str, int]:
    with open(path, "w", encoding="utf-8") as stream:
        return export_snapshot(stream, **kwargs)


__all__ = ["SnapshotError", "SnapshotImport", "export_snapshot", "import_snapshot"]
