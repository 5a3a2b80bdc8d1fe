"""The packet format and its judging, as pure functions."""

from __future__ import annotations

import csv

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hexa.domain.errors import ValidationError
from hexa.domain.inspections import MAX_READINGS, Inspection, Reading
from hexa.domain.packets import PacketFormat, PacketReader, csv_fields, inspections_of, judge
from hexa.domain.validation import evaluate
from tests.builders import T0
from tests.inspection_builders import a_rule

PACKET = (
    "\ufeffinspection,subject,key,value,unit\r\n"
    "A,boiler,temp,95,C\r\n"
    "A,boiler,seal,intact,\r\n"
    "\r\n"
    'B,"valve, north",temp,50,C\r\n'
    "C,pump,seal,cracked,\r\n"
).encode()


def read_all(data: bytes, cuts: list[int], *, trusted: bool = False) -> list[tuple]:
    reader = PacketReader(trusted=trusted)
    rows, start = [], 0
    for cut in sorted(cuts) + [len(data)]:
        rows += reader.feed(data[start:cut])
        start = cut
    rows += reader.finish()
    return [(r.line, r.inspection, r.subject, r.reading.key, r.reading.value) for r in rows]


def test_rows_carry_their_line_and_readings_stay_text() -> None:
    assert read_all(PACKET, []) == [
        (2, "A", "boiler", "temp", "95"),
        (3, "A", "boiler", "seal", "intact"),
        (5, "B", "valve, north", "temp", "50"),
        (6, "C", "pump", "seal", "cracked"),
    ]


@given(st.lists(st.integers(0, len(PACKET)), max_size=8))
def test_any_chunking_reads_the_same_rows(cuts: list[int]) -> None:
    assert read_all(PACKET, cuts) == read_all(PACKET, [])


@given(st.lists(st.integers(0, len(PACKET)), max_size=8))
def test_a_trusted_reread_builds_the_rows_the_check_built(cuts: list[int]) -> None:
    assert read_all(PACKET, cuts, trusted=True) == read_all(PACKET, [])


def test_a_reference_that_comes_back_is_refused_at_upload_only() -> None:
    data = b"inspection,subject,key,value,unit\nA,s,k,1,\nB,s,k,1,\nA,s,k,2,\n"
    with pytest.raises(ValidationError, match="line 4: inspection 'A' already ended at line 2"):
        read_all(data, [])
    assert len(read_all(data, [], trusted=True)) == 3


def test_an_inspection_holds_at_most_as_many_readings_as_one_recorded_alone() -> None:
    header = b"inspection,subject,key,value,unit\n"
    full = header + b"".join(b"A,s,k%d,1,\n" % n for n in range(MAX_READINGS))
    assert len(read_all(full + b"B,s,k,1,\n", [])) == MAX_READINGS + 1
    with pytest.raises(ValidationError, match=f"line {MAX_READINGS + 2}: inspection 'A' has more"):
        read_all(full + b"A,s,k,1,\n", [])


def test_a_packet_without_a_trailing_newline_keeps_its_last_row() -> None:
    assert read_all(b"inspection,subject,key,value,unit\nA,s,k,1,", [])[-1][0] == 2


@given(st.lists(st.sampled_from(["95", "50", "", "x"]), min_size=1, max_size=6))
def test_judging_rows_finds_what_evaluate_finds(values: list[str]) -> None:
    rules = [
        a_rule("max", "temp", name="ceiling", max=80),
        a_rule("required", "seal", name="needed"),
    ]
    data = "inspection,subject,key,value,unit\n" + "".join(f"A,s,temp,{v},\n" for v in values)
    reader = PacketReader()
    rows = reader.feed(data.encode()) + reader.finish()
    [group] = list(inspections_of(rows))
    inspection = Inspection.draft(
        id="A", subject="s", readings=[Reading("temp", v) for v in values], now=T0
    )
    expected = [(f.rule_name, f.message) for f in evaluate(rules, inspection).findings]
    found = judge(rules, group)
    assert [(f.rule_name, f.message) for f in found] == expected
    assert {f.line for f in found if f.rule_name == "needed"} == {None}


@given(st.text(alphabet=st.sampled_from('ab ,"\r\x00\u00e9'), max_size=30))
def test_a_line_splits_into_the_fields_the_csv_module_reads(line: str) -> None:
    assume(line and not line.isspace())  # the reader skips blank lines before splitting
    try:
        [expected] = list(csv.reader([line], strict=True))
    except csv.Error:
        with pytest.raises(csv.Error):
            csv_fields(line)
        return
    assert csv_fields(line) == expected


JSON_PACKET = (
    b'{"inspection": "A", "subject": "boiler", "key": "temp", "value": 95, "unit": "C"}\n'
    b"\r\n"
    b'{"inspection": "A", "subject": "boiler", "key": "sealed", "value": true}\r\n'
    b'{"inspection": "B", "subject": "valve \\u00e9", "key": "note", "value": " ok "}'
)


@given(st.lists(st.integers(0, len(JSON_PACKET)), max_size=8))
def test_json_lines_read_the_same_rows_in_any_chunking_with_their_types(cuts: list[int]) -> None:
    reader = PacketReader(PacketFormat.JSON_LINES)
    rows, start = [], 0
    for cut in sorted(cuts) + [len(JSON_PACKET)]:
        rows += reader.feed(JSON_PACKET[start:cut])
        start = cut
    rows += reader.finish()
    assert [(r.line, r.inspection, r.subject, r.reading) for r in rows] == [
        (1, "A", "boiler", Reading("temp", 95, "C")),
        (3, "A", "boiler", Reading("sealed", True)),
        (4, "B", "valve \u00e9", Reading("note", "ok")),
    ]


def test_a_file_says_it_is_json_lines_by_its_name_or_media_type() -> None:
    assert PacketFormat.of("p.JSONL", "") is PacketFormat.JSON_LINES
    assert PacketFormat.of("p.ndjson", "text/plain") is PacketFormat.JSON_LINES
    assert PacketFormat.of("p", "application/x-ndjson; charset=utf-8") is PacketFormat.JSON_LINES
    assert PacketFormat.of("p.csv", "text/csv") is PacketFormat.CSV
    assert PacketFormat.of("", "") is PacketFormat.CSV
