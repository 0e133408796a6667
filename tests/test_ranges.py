"""The one Range handler of both local servers (``pipeline.serve.ranges``): which bytes, which status."""

from __future__ import annotations

import io

import pytest

from pipeline.serve.ranges import Reply, copy_bytes, plan_reply, requested_range


@pytest.mark.parametrize(
    ("header", "size", "status", "start", "end"),
    [
        (None, 100, 200, 0, 99),
        ("", 100, 200, 0, 99),
        ("bytes=4-11", 100, 206, 4, 11),
        ("bytes=90-", 100, 206, 90, 99),
        ("bytes=90-500", 100, 206, 90, 99),  # an end past the file is cut to its last byte
        ("bytes=-5", 100, 206, 95, 99),  # the last five bytes
        ("bytes=-500", 100, 206, 0, 99),
        (" bytes=0-0 ", 100, 206, 0, 0),
        ("bytes=100-", 100, 416, 0, -1),  # starts past the end
        ("bytes=20-10", 100, 416, 0, -1),
        ("bytes=0-", 0, 416, 0, -1),  # nothing in an empty file can be sent as a range
        ("bytes=-", 100, 200, 0, 99),  # no span at all: the whole file
        ("bytes=0-1,5-6", 100, 200, 0, 99),  # several ranges: the whole file, as many servers do
        ("items=0-5", 100, 200, 0, 99),
        ("bytes=x-5", 100, 200, 0, 99),
    ],
)
def test_plan_reply(header: str | None, size: int, status: int, start: int, end: int) -> None:
    assert plan_reply(header, size) == Reply(status, start, end, size)


def test_reply_headers() -> None:
    assert plan_reply(None, 100).headers() == {"Accept-Ranges": "bytes", "Content-Length": "100"}
    assert plan_reply("bytes=4-11", 100).headers() == {
        "Accept-Ranges": "bytes",
        "Content-Length": "8",
        "Content-Range": "bytes 4-11/100",
    }
    assert plan_reply("bytes=200-", 100).headers() == {
        "Accept-Ranges": "bytes",
        "Content-Length": "0",
        "Content-Range": "bytes */100",
    }
    assert plan_reply(None, 0).length == 0


def test_requested_range_is_none_without_a_single_byte_range() -> None:
    assert requested_range(None, 10) is None
    assert requested_range("bytes=1-2, 4-5", 10) is None
    assert requested_range("bytes=3-", 10) == (3, 9)


def test_copy_bytes_stops_at_the_count_or_the_end() -> None:
    data = bytes(range(256)) * 1000  # several 64 KiB blocks
    target = io.BytesIO()
    copy_bytes(io.BytesIO(data), target, 200_000)
    assert target.getvalue() == data[:200_000]
    target = io.BytesIO()
    copy_bytes(io.BytesIO(data[:10]), target, 100)
    assert target.getvalue() == data[:10]
