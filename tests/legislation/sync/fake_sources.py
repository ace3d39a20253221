"""A local fake of the three source APIs: a real HTTP server on 127.0.0.1, in a thread, for the sync tests.

It answers in the real URL and envelope shapes, from the real recorded payloads in tests/fixtures (and the demo
snapshot's Open States pages), and behaves as the real services do where the sync depends on it:

- Open States v3 ``GET /bills``: ``X-API-KEY`` required (403 ``{"detail"}`` without), ``jurisdiction`` or ``q``
  required (400), ``per_page`` at most 20, ``include=`` adds keys that are otherwise absent, ``sort``, and
  ``updated_since`` compared *as text* against PostgreSQL's rendering of ``updated_at`` ("2025-03-01
  13:00:00.123+00"), as openstates/api-v3 does; a page beyond the last is 404.
- LegiScan ``/?key=&op=``: every answer has ``status`` OK or ERROR with HTTP 200; ``getMasterListRaw`` (by id or
  state), ``getBill``, ``getSearchRaw``, ``getDatasetList``, ``getDataset`` (base64 ZIP).
- Congress.gov ``/v3/bill`` (``fromDateTime``/``toDateTime``, ``sort``, ``limit``/``offset``, ``pagination.next``
  without the key, like the real one), ``/v3/bill/{congress}/{type}/{number}`` and ``/actions`` (bill types must be
  lower case), ``api_key`` required (403), ``format=json`` required (else XML, as the real API defaults to),
  ``X-Ratelimit-Limit``/``X-Ratelimit-Remaining`` headers.

Faults on demand (:meth:`FakeSources.fail`): 429 with or without ``Retry-After``, 500, a slow answer, a body that is
not JSON, or one of the wrong shape. Every request is counted per source and operation and logged.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DEMO = Path(__file__).resolve().parents[3] / "legislation" / "data" / "demo"
OPENSTATES_KEY = "os-test-key"
LEGISCAN_KEY = "ls-test-key"
CONGRESS_KEY = "cg-test-key"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def postgres_text(iso: str) -> str:
    """How PostgreSQL renders a timestamptz cast to text (UTC): '2025-03-01 13:00:00.123+00'."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "+00"


@dataclass
class Fault:
    source: str
    operation: str  # "" matches every operation of the source
    kind: str
    times: int
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


class FakeSources:
    """The three fake APIs behind one server; ``url`` is its root. Tests change the data between syncs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def reset(self) -> None:
        """Back to the recorded data, no faults, no requests counted."""
        self.requests: Counter[str] = Counter()
        self.log: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        # Open States: bill objects with every include part (stripped per request).
        self.openstates_bills: list[dict[str, Any]] = [
            bill for page in sorted(DEMO.glob("bills_page_*.json")) for bill in load(page)["results"]
        ]
        for bill in self.openstates_bills:  # long before any test's window: tests touch the bills that move
            bill["updated_at"] = "2025-01-01T00:00:00+00:00"
        # LegiScan: bill objects by bill_id, and the real Ohio master list (as served for state=OH).
        ak = load(FIXTURES / "legiscan" / "dataset_bill_AK_HB1_2011.json")["bill"]
        self.legiscan_bills: dict[str, dict[str, Any]] = {str(ak["bill_id"]): ak}
        self.legiscan_ohio = load(FIXTURES / "legiscan" / "getMasterList_OH_133rd_GA.json")
        self.legiscan_datasets = load(FIXTURES / "legiscan" / "getDatasetList_MT.json")["datasetlist"]
        self.legiscan_search_hits: list[dict[str, Any]] = []
        # Congress.gov: bills by (congress, type, number), each with its list entry, detail and actions.
        self.congress: dict[tuple[int, str, int], dict[str, Any]] = {}
        detail = load(FIXTURES / "congress" / "bill_119_s_1947.json")
        actions = load(FIXTURES / "congress" / "bill_119_s_1947_actions.json")
        self.congress_add(detail, actions)
        for entry in load(FIXTURES / "congress" / "bill_list_updateDate_desc.json")["bills"]:
            self.congress[(entry["congress"], entry["type"].lower(), int(entry["number"]))] = {"entry": entry}
        self.congress_remaining = 5000

    # --- Life ---------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSources:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- Test controls ------------------------------------------------------------------------------------------

    def fail(
        self,
        source: str,
        kind: str,
        *,
        operation: str = "",
        times: int = 1,
        retry_after: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` matching requests get ``kind``: "429", "500", "slow", "not-json", "wrong-shape"."""
        with self.lock:
            self.faults.append(Fault(source, operation, kind, times, retry_after, delay))

    def count(self, source: str, operation: str = "") -> int:
        prefix = f"{source}:{operation}"
        return sum(
            n for key, n in self.requests.items() if key == prefix or (not operation and key.startswith(prefix))
        )

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.log.clear()

    def openstates_bill(self, identifier: str, jurisdiction: str) -> dict[str, Any]:
        return next(
            bill
            for bill in self.openstates_bills
            if bill["identifier"] == identifier and bill["jurisdiction"]["id"].endswith(f":{jurisdiction}/government")
        )

    def congress_add(self, detail: dict[str, Any], actions: dict[str, Any]) -> None:
        bill = detail["bill"]
        key = (int(bill["congress"]), bill["type"].lower(), int(bill["number"]))
        entry = {
            "congress": bill["congress"],
            "latestAction": bill["latestAction"],
            "number": bill["number"],
            "originChamber": bill.get("originChamber"),
            "originChamberCode": bill.get("originChamberCode"),
            "title": bill["title"],
            "type": bill["type"],
            "updateDate": bill["updateDate"][:10],
            "updateDateIncludingText": bill["updateDateIncludingText"][:10],
            "url": f"https://api.congress.gov/v3/bill/{key[0]}/{key[1]}/{key[2]}?format=json",
        }
        self.congress[key] = {"entry": entry, "detail": detail, "actions": actions}

    # --- Serving ------------------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qs(parts.query, keep_blank_values=True).items())
                response = fake.dispatch(parts.path, query, dict(self.headers))
                try:
                    self.send_response(response.status)
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(response.body)))
                    self.end_headers()
                    self.wfile.write(response.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        return Handler

    def dispatch(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        source, operation = self._classify(path, query)
        with self.lock:
            self.requests[f"{source}:{operation}"] += 1
            self.log.append(
                {"source": source, "operation": operation, "path": path, "query": query, "headers": headers}
            )
            fault = next(
                (f for f in self.faults if f.source == source and f.operation in ("", operation) and f.times > 0), None
            )
            if fault:
                fault.times -= 1
        if fault:
            faulty = self._fault(fault)
            if faulty is not None:
                return faulty
        if source == "openstates":
            return self._openstates(path, query, headers)
        if source == "legiscan":
            return self._legiscan(query)
        if source == "congress":
            return self._congress(path, query)
        return json_response({"detail": "Not Found"}, 404)

    def _classify(self, path: str, query: dict[str, list[str]]) -> tuple[str, str]:
        if path.startswith("/openstates"):
            return "openstates", path.removeprefix("/openstates") or "/"
        if path.startswith("/legiscan"):
            return "legiscan", (query.get("op") or [""])[0]
        if path.startswith("/congress/v3"):
            rest = path.removeprefix("/congress/v3")
            return "congress", "bill list" if rest == "/bill" else ("actions" if rest.endswith("/actions") else "bill")
        return "unknown", path

    def _fault(self, fault: Fault) -> Response | None:
        if fault.kind == "429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return json_response({"detail": "exceeded limit of 10/min: 11"}, 429, headers)
        if fault.kind == "500":
            return Response(500, b"Internal Server Error", {"Content-Type": "text/plain"})
        if fault.kind == "slow":
            time.sleep(fault.delay or 1.0)
            return None
        if fault.kind == "not-json":
            return Response(200, b'{"results": [{"id": "ocd-bill/trunc', {"Content-Type": "application/json"})
        if fault.kind == "wrong-shape":
            return json_response({"results": [{"id": "ocd-bill/x", "title": 42}], "pagination": {"max_page": 1}})
        raise ValueError(f"unknown fault {fault.kind!r}")

    # --- Open States --------------------------------------------------------------------------------------------

    def _openstates(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Response:
        if headers.get("X-API-KEY", headers.get("x-api-key")) != OPENSTATES_KEY:
            return json_response({"detail": "Must provide API Key as ?apikey or X-API-KEY."}, 403)
        if path.rstrip("/") != "/openstates/bills":
            return json_response({"detail": "Not Found"}, 404)
        first = {name: values[0] for name, values in query.items()}
        jurisdiction, q = first.get("jurisdiction"), first.get("q")
        if not jurisdiction and not q:
            return json_response({"detail": "either 'jurisdiction' or 'q' required"}, 400)
        per_page, page = int(first.get("per_page", 10)), int(first.get("page", 1))
        if not 1 <= per_page <= 20:
            return json_response({"detail": "invalid per_page, must be in [1, 20]"}, 400)
        bills = list(self.openstates_bills)
        if jurisdiction:
            bills = [
                bill
                for bill in bills
                if bill["jurisdiction"]["id"] == jurisdiction
                or bill["jurisdiction"]["id"].endswith(f":{jurisdiction.lower()}/government")
            ]
        if q:
            terms = [term.strip().strip('"').lower() for term in q.split(" OR ")]
            bills = [bill for bill in bills if any(term in bill["title"].lower() for term in terms)]
        if "updated_since" in first:
            since = first["updated_since"]
            bills = [bill for bill in bills if postgres_text(bill["updated_at"]) >= since]
        sort = first.get("sort", "updated_desc")
        bills.sort(key=lambda bill: bill["updated_at"], reverse=sort == "updated_desc")
        total = len(bills)
        max_page = max(1, -(-total // per_page))
        if page > max_page:
            return json_response({"detail": f"invalid page, must be in [1, {max_page}]"}, 404)
        includes = set(query.get("include", []))
        optional = {"actions", "sponsorships", "sources", "abstracts", "versions", "documents", "votes"}
        results = [
            {key: value for key, value in bill.items() if key not in optional or key in includes}
            for bill in bills[(page - 1) * per_page : page * per_page]
        ]
        pagination = {"per_page": per_page, "page": page, "max_page": max_page, "total_items": total}
        return json_response({"results": results, "pagination": pagination})

    # --- LegiScan -----------------------------------------------------------------------------------------------

    def _legiscan(self, query: dict[str, list[str]]) -> Response:
        first = {name.lower(): values[0] for name, values in query.items()}
        if first.get("key") != LEGISCAN_KEY:
            return self._legiscan_error("Invalid API key")
        op = first.get("op", "")
        handler = getattr(self, f"_legiscan_{op}", None)
        if handler is None:
            return self._legiscan_error(f"Unknown operation {op}")
        return handler(first)

    @staticmethod
    def _legiscan_ok(**parts: Any) -> Response:
        return json_response({"status": "OK", **parts})

    @staticmethod
    def _legiscan_error(message: str) -> Response:
        return json_response({"status": "ERROR", "alert": {"message": message}})

    def _legiscan_getMasterListRaw(self, params: dict[str, str]) -> Response:
        if params.get("state", "").upper() == "OH" and not params.get("id"):
            masterlist = self.legiscan_ohio["masterlist"]
            raw = {
                key: (
                    value if key == "session" else {name: value[name] for name in ("bill_id", "number", "change_hash")}
                )
                for key, value in masterlist.items()
            }
            return self._legiscan_ok(masterlist=raw)
        bills = [
            bill
            for bill in self.legiscan_bills.values()
            if (params.get("id") and str(bill["session_id"]) == params["id"])
            or (not params.get("id") and bill["state"].upper() == params.get("state", "").upper())
        ]
        if not bills:
            return self._legiscan_error("Unknown session id")
        session = bills[0]["session"]
        masterlist: dict[str, Any] = {
            "session": {"session_id": session["session_id"], "session_name": session["session_name"]}
        }
        for index, bill in enumerate(bills):
            masterlist[str(index)] = {
                "bill_id": bill["bill_id"],
                "number": bill["bill_number"],
                "change_hash": bill["change_hash"],
            }
        return self._legiscan_ok(masterlist=masterlist)

    def _legiscan_getBill(self, params: dict[str, str]) -> Response:
        bill = self.legiscan_bills.get(params.get("id", ""))
        if bill is None:
            return self._legiscan_error("Unknown bill id")
        return self._legiscan_ok(bill=bill)

    def _legiscan_getSearchRaw(self, params: dict[str, str]) -> Response:
        hits = self.legiscan_search_hits
        summary = {
            "page": "1 of 1",
            "range": f"1 - {len(hits)}",
            "count": len(hits),
            "page_current": 1,
            "page_total": 1,
        }
        return self._legiscan_ok(searchresult={"summary": summary, "results": hits})

    def _legiscan_getDatasetList(self, params: dict[str, str]) -> Response:
        return self._legiscan_ok(datasetlist=self.legiscan_datasets)

    def _legiscan_getDataset(self, params: dict[str, str]) -> Response:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for bill in self.legiscan_bills.values():
                name = f"{bill['state']}/2011-2012_27th_Legislature/bill/{bill['bill_number']}.json"
                archive.writestr(name, json.dumps({"bill": bill}))
        dataset = {
            "session_id": int(params.get("id", 0)),
            "dataset_hash": "x",
            "mime_type": "application/zip",
            "zip": base64.b64encode(buffer.getvalue()).decode(),
        }
        return self._legiscan_ok(dataset=dataset)

    # --- Congress.gov -------------------------------------------------------------------------------------------

    def _congress(self, path: str, query: dict[str, list[str]]) -> Response:
        first = {name: values[0] for name, values in query.items()}
        if first.get("api_key") != CONGRESS_KEY:
            return json_response({"error": {"code": "API_KEY_MISSING", "message": "No api_key was supplied."}}, 403)
        if first.get("format") != "json":
            return Response(200, b"<?xml version='1.0'?><api-root/>", {"Content-Type": "application/xml"})
        with self.lock:
            self.congress_remaining -= 1
            remaining = self.congress_remaining
        headers = {"X-Ratelimit-Limit": "5000", "X-Ratelimit-Remaining": str(max(remaining, 0))}
        rest = path.removeprefix("/congress/v3/bill").strip("/")
        if not rest:
            return json_response(self._congress_list(first), headers=headers)
        parts = rest.split("/")
        if len(parts) < 3 or parts[1] != parts[1].lower():
            return json_response({"error": f"Unknown resource: {path}"}, 404, headers)
        record = self.congress.get((int(parts[0]), parts[1], int(parts[2])))
        if record is None or "detail" not in record:
            return json_response({"error": f"Unknown bill: {path}"}, 404, headers)
        payload = record["actions"] if parts[3:] == ["actions"] else record["detail"]
        return json_response(payload, headers=headers)

    def _congress_list(self, params: dict[str, str]) -> dict[str, Any]:
        start = params.get("fromDateTime", "0000")[:10]
        end = params.get("toDateTime", "9999")[:10]
        entries = [
            record["entry"] for record in self.congress.values() if start <= record["entry"]["updateDate"] <= end
        ]
        entries.sort(key=lambda entry: (entry["updateDate"], entry["type"], int(entry["number"])))
        if params.get("sort", "").endswith("desc"):
            entries.reverse()
        limit, offset = min(int(params.get("limit", 20)), 250), int(params.get("offset", 0))
        page = [copy.deepcopy(entry) for entry in entries[offset : offset + limit]]
        pagination: dict[str, Any] = {"count": len(entries)}
        if offset + limit < len(entries):
            following = {
                name: value for name, value in params.items() if name != "api_key" and name not in ("offset",)
            }
            following["offset"] = str(offset + limit)
            pagination["next"] = f"https://api.congress.gov/v3/bill?{urlencode(following)}"
        return {
            "bills": page,
            "pagination": pagination,
            "request": {"contentType": "application/json", "format": "json"},
        }
