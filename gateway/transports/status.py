"""Pure HTTP response classification: which statuses are delivered, retried or final."""

from __future__ import annotations

import email.utils
import enum
from datetime import UTC, datetime, timedelta

# RFC 9110 §15.5.9 (408), RFC 8470 §5.2 (425 Too Early), RFC 6585 §4 (429): the same request
# can succeed later, so these 4xx are retried like 5xx.
RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})
# A Retry-After larger than this is treated as this: a partner cannot park a message for days.
MAX_RETRY_AFTER = timedelta(hours=6)


class StatusClass(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REJECTED = "rejected"
    UNEXPECTED = "unexpected"


def classify_http_status(status: int) -> StatusClass:
    """2xx delivered; 5xx, 408, 425, 429 retry; other 4xx rejected; 1xx/3xx/others unexpected."""
    if 200 <= status <= 299:
        return StatusClass.DELIVERED
    if 500 <= status <= 599 or status in RETRYABLE_CLIENT_STATUSES:
        return StatusClass.RETRY
    if 400 <= status <= 499:
        return StatusClass.REJECTED
    return StatusClass.UNEXPECTED


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date; None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(timedelta(seconds=int(text)), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)
