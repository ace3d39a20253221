from __future__ import annotations

import gc
import weakref

from legislation.importers.rows import chunked


class Item:
    pass


def test_chunked_keeps_no_reference_to_a_chunk_it_handed_over() -> None:
    """The importer frees each chunk before collecting garbage (BillImporter.import_records): a chunk the
    generator still held would keep every payload of it alive for the collector to walk."""
    chunks = chunked((Item() for _ in range(5)), 2)
    first = next(chunks)
    refs = [weakref.ref(item) for item in first]
    del first
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
    assert [len(chunk) for chunk in chunks] == [2, 1]
