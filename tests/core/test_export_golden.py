"""The CSV, JSON and JSON Lines exports of the demo data, byte for byte.

``golden/demo-export.csv`` and the digests below were taken from the export before its fast
paths: any change to what an export writes (quoting, cleaning, formula guards, number and time
forms, escapes) shows here. After an intended change, regenerate the CSV with
``RZTUI_REGENERATE_GOLDEN=1`` and update the digests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rztui.demo import dataset as ds
from rztui.export import _indented, write_from_store

GOLDEN_CSV = Path(__file__).parent / "golden" / "demo-export.csv"
DIGESTS = {
    "json": "957190f88cddef0f2888e55b30c537df384724da090226d2524d3af41105c15e",
    "jsonl": "8f63cb7f4ae386f5f266da5e11fe63512ba10a21f72802c4a9fb09dc07074123",
}


def _export(store, fmt: str, *, excel: bool = False) -> bytes:
    stream = io.StringIO(newline="")
    _, written = write_from_store(stream, store, ds.ALL_IDS, fmt, excel=excel)
    assert written == ds.ALL_IDS
    return stream.getvalue().encode("utf-8", "surrogatepass")


def test_csv_export_of_the_demo_data_is_unchanged(demo_store):
    data = _export(demo_store, "csv")
    if os.environ.get("RZTUI_REGENERATE_GOLDEN"):
        GOLDEN_CSV.write_bytes(data)
    assert data == GOLDEN_CSV.read_bytes()
    assert _export(demo_store, "csv", excel=True) == "\ufeff".encode() + data


def test_json_exports_of_the_demo_data_are_unchanged(demo_store):
    for fmt, digest in DIGESTS.items():
        assert hashlib.sha256(_export(demo_store, fmt)).hexdigest() == digest, fmt


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["\n", "\n  ", "\n    "]))
def test_the_json_export_indents_like_json_dumps(value, pad):
    expected = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", pad)
    assert _indented(value, pad) == expected
    odd = {1: "a key that is not text"}  # not from JSON text: json.dumps does it
    assert _indented(odd, pad) == json.dumps(odd, ensure_ascii=False, indent=2).replace(
        "\n", pad)
