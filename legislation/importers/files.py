"""Saved source files into the importer: what each file is (from its content), its records, errors naming it.

Accepted per source (DESIGN.md, `import_bills`):

- openstates: v3 `/bills` pages and single bill objects (JSON); per-session bulk zips (JSON or CSV);
- legiscan: `getBill` responses and dataset bill files, `getMasterList` / `getMasterListRaw` responses (JSON);
  dataset ZIPs;
- congress: bill responses with their `/actions` (and `/cosponsors`) responses, and bill lists (JSON), given
  together so that each bill meets its actions (through their `request` blocks).

A zip is recognised by its content (`zipfile.is_zipfile`), whatever its name. A JSON file is read whole and its
shape checked before any of its bills is imported, so a file that cannot be read (empty, truncated, not JSON, the
wrong shape, an API error body) writes nothing and the others go on. Within a file, a bill that cannot be read
fails alone (the importer's one rule for bad records, legislation/importers/bills.py): Open States bills are
handed over unparsed (`RawBill`) and parsed only when they changed; LegiScan master-list entries, Congress.gov
bills (each with its actions) and bulk zip bills are parsed one by one.

A zip's member names and sizes are checked before anything is read (legislation/sources/zips.py:
`IMPORT_MAX_MEMBER_BYTES`, `IMPORT_MAX_ARCHIVE_BYTES`, no `..`, absolute or backslashed names), then its bills are
streamed (memory holds a chunk, not the file) and committed chunk by chunk like any other records: a zip found
broken half-way keeps the bills read before the break, and its error is on the run. A zip that holds no bills is
an error. Consecutive JSON files share chunks, so thousands of small pages import as fast as one big file.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import partial
from itertools import groupby
from pathlib import Path
from types import ModuleType

import orjson

from legislation import stages
from legislation.choices import Source
from legislation.models import ImportRun
from legislation.sources import congress, legiscan, openstates, records
from legislation.sources.openstates import jurisdiction_from_ocd_id
from legislation.sources.records import BillRecord, ParseError, as_list, parse_datetime

from .bills import BillImporter, RawBill

__all__ = ["SOURCES", "import_files", "read_json"]

SOURCES = tuple(Source.values)

Records = Iterator[tuple[str, BillRecord | RawBill]]


def read_json(path: Path) -> object:
    """A JSON file's content; an empty, unreadable or invalid file is a ParseError naming it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise ParseError(str(path), "empty file")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ParseError(str(path), f"invalid JSON: {exc}") from None


def _openstates_payload(payload: object) -> list[RawBill]:
    """The bills of a page or a bill object, not parsed yet (an API error body is the parser's to quote)."""
    if isinstance(payload, dict) and "results" in payload:
        return [
            _openstates_raw(bill, f"results[{index}]")
            for index, bill in enumerate(as_list(payload["results"], "results"))
        ]
    if isinstance(payload, dict) and "id" in payload:
        return [_openstates_raw(payload, "")]
    if isinstance(payload, dict) and "detail" in payload:
        openstates.parse_payload(payload)  # raises the SourceError that quotes it
    raise ParseError("", "not an Open States /bills page (no 'results') or bill object (no 'id')")


def _code_fingerprint(*modules: ModuleType) -> bytes:
    """A digest of the code that turns a payload into a record: a payload recognised as unchanged is not parsed
    again, so a fix in the parser or the stage mapping must change every digest (the next import re-parses all)."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.digest()


_OPENSTATES_CODE = _code_fingerprint(openstates, records, stages)


def _openstates_raw(bill: object, where: str) -> RawBill:
    """An Open States bill object as a RawBill: id, jurisdiction and session peeked, the whole object digested with
    the parser's code (the parser reads nothing else). A bill that cannot be peeked has an empty identity and is
    parsed at once."""
    peek = bill if isinstance(bill, dict) else {}
    jurisdiction = peek.get("jurisdiction")
    try:
        code = jurisdiction_from_ocd_id(str(jurisdiction.get("id"))) if isinstance(jurisdiction, dict) else ""
    except ParseError:
        code = ""
    try:
        updated_at = parse_datetime(peek.get("updated_at"), "updated_at")
    except ParseError:
        updated_at = None
    return RawBill(
        source=Source.OPENSTATES.value,
        source_id=str(peek.get("id") or ""),
        jurisdiction=code,
        session=str(peek.get("session") or ""),
        digest=hashlib.sha256(_OPENSTATES_CODE + orjson.dumps(bill, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        parse=partial(openstates.parse_bill, bill, where),
        updated_at=updated_at,
    )


_JSON_PARSERS: dict[str, Callable[[object], list[BillRecord] | list[RawBill]]] = {
    Source.OPENSTATES: _openstates_payload,
    Source.LEGISCAN: legiscan.parse_payload,
}
_ZIP_READERS: dict[str, Callable[[Path], Iterable[BillRecord]]] = {
    Source.OPENSTATES: openstates.iter_bulk_zip,
    Source.LEGISCAN: legiscan.iter_dataset_zip,
}


def _json_records(source: str, paths: Sequence[Path], on_error: Callable[[ParseError], None]) -> Records:
    """Each file parsed whole, then its records; a file that fails is reported and skipped."""
    parse = _JSON_PARSERS[source]
    for path in paths:
        try:
            payload = read_json(path)
        except ParseError as exc:
            on_error(exc)
            continue
        try:
            items = parse(payload)
        except ParseError as exc:
            on_error(exc.inside(str(path), ":"))
            continue
        for item in items:
            yield str(path), item


def _zip_records(source: str, path: Path) -> Records:
    """A bulk zip, streamed; an error in the zip itself is a ParseError naming it (and the member and place)
    that ends the stream, a bad bill in it comes as its ParseError item; a zip without bills is an error."""
    reader = _ZIP_READERS.get(source)
    if reader is None:
        raise ParseError(str(path), f"{source} has no zip format; give the JSON responses")
    count = 0
    try:
        for record in reader(path):
            count += 1
            yield str(path), record
    except ParseError as exc:
        raise exc.inside(str(path), ":") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(str(path), f"unreadable zip: {str(exc)[:200]}") from None
    if not count:
        raise ParseError(str(path), "no bills in the zip")


def _congress_records(paths: Sequence[Path], on_error: Callable[[ParseError], None]) -> Records:
    """Bill, actions, cosponsors and list responses read together, so bills meet their actions. A file that is
    not JSON, or is not a response of a known kind, is reported and skipped; a bill (with its actions) or a list
    entry that cannot be read fails alone."""
    named = []
    for path in paths:
        try:
            named.append((str(path), read_json(path)))
        except ParseError as exc:
            on_error(exc)
    if not named:
        return
    parsed = congress.parse_payloads(named, on_error=on_error)
    # Records come from several files at once; errors about one of them name the bill (its source id) instead.
    where = named[0][0] if len(named) == 1 else ""
    for record in parsed:
        yield ("" if isinstance(record, ParseError) else where), record  # an error names its file itself


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def import_files(
    *,
    source: str,
    paths: Sequence[Path | str],
    scope: str = "",
    today: date | None = None,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int | None = None,
) -> ImportRun:
    """Import saved files of one source in one ImportRun (see the module docstring); returns the finished run.

    Errors of whole files and of single records are in `run.errors` ({where, message}); `run.failed` counts the
    records that failed.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    paths = [Path(path) for path in paths]
    options = {"chunk_size": chunk_size} if chunk_size else {}
    importer = BillImporter(
        source=source,
        # File names, not paths: scopes are public (/api/v1/freshness/) and the server's directories are not.
        scope=scope or "files " + " ".join(path.name for path in paths),
        today=today,
        on_progress=on_progress,
        **options,
    )

    def on_error(exc: ParseError) -> None:
        importer.error(exc.where, exc.message)

    try:
        _import_paths(importer, source, paths, on_error)
    except BaseException as exc:  # MemoryError, a worker's shutdown, a bug: the run says what it committed
        importer.abort(exc)
        raise
    return importer.finish()


def _import_paths(
    importer: BillImporter, source: str, paths: list[Path], on_error: Callable[[ParseError], None]
) -> None:
    if source == Source.CONGRESS:
        zips = [path for path in paths if _is_zip(path)]
        for path in zips:
            on_error(ParseError(str(path), "Congress.gov has no zip format; give the JSON responses"))
        importer.import_records(_congress_records([path for path in paths if path not in zips], on_error))
        return
    for is_zip, group in groupby(paths, key=_is_zip):
        if is_zip:
            for path in group:
                importer.import_records(_zip_records(source, path))
        else:
            importer.import_records(_json_records(source, list(group), on_error))
