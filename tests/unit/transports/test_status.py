from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.transports.status import (
    MAX_RETRY_AFTER,
    StatusClass,
    classify_http_status,
    parse_retry_after,
)

NOW = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, StatusClass.DELIVERED),
        (201, StatusClass.DELIVERED),
        (202, StatusClass.DELIVERED),
        (204, StatusClass.DELIVERED),
        (500, StatusClass.RETRY),
        (502, StatusClass.RETRY),
        (503, StatusClass.RETRY),
        (504, StatusClass.RETRY),
        (599, StatusClass.RETRY),
        (408, StatusClass.RETRY),
        (425, StatusClass.RETRY),
        (429, StatusClass.RETRY),
        (400, StatusClass.REJECTED),
        (401, StatusClass.REJECTED),
        (403, StatusClass.REJECTED),
        (404, StatusClass.REJECTED),
        (409, StatusClass.REJECTED),
        (413, StatusClass.REJECTED),
        (415, StatusClass.REJECTED),
        (422, StatusClass.REJECTED),
        (301, StatusClass.UNEXPECTED),
        (302, StatusClass.UNEXPECTED),
        (307, StatusClass.UNEXPECTED),
        (100, StatusClass.UNEXPECTED),
        (600, StatusClass.UNEXPECTED),
    ],
)
def test_classify_http_status(status: int, expected: StatusClass) -> None:
    assert classify_http_status(status) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Mon, 03 Jun 2024 16:05:00 GMT", timedelta(minutes=5)),
        ("Mon, 03 Jun 2024 15:00:00 GMT", timedelta(0)),  # in the past: retry now
        ("soon", None),
        ("-5", None),
        ("99999999", MAX_RETRY_AFTER),
    ],
)
def test_parse_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(value, NOW) == expected
