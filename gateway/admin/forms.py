"""Reading posted forms: text fields with limits, errors kept per field for the page.

A form handler collects `FieldErrors` and re-renders the page with them (400) next to the
fields, keeping what was typed; nothing reaches the database before the fields are checked,
so an over-long value is a message, never a database error.
"""

from __future__ import annotations

from datetime import date

from gateway.admin.session import FormData

MAX_FIELD = 4000
MAX_TEXTAREA = 64 * 1024

FieldErrors = dict[str, str]


def text(form: FormData, name: str, errors: FieldErrors, *, required: bool = False,
         max_length: int = MAX_FIELD, label: str | None = None) -> str:
    """The stripped field value ("" when absent); records an error when it is bad."""
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        errors[name] = f"{label or name} must be text"
        return ""
    value = (value or "").strip()
    if required and not value:
        errors[name] = f"{label or name} is required"
    elif len(value) > max_length:
        errors[name] = f"{label or name} is too long ({len(value)} characters; at most " \
                       f"{max_length})"
        return value[:max_length]
    return value


def integer(form: FormData, name: str, errors: FieldErrors, *, default: int,
            minimum: int, maximum: int) -> int:
    raw = text(form, name, errors, max_length=12)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = f"{name} must be a whole number"
        return default
    if not minimum <= value <= maximum:
        errors[name] = f"{name} must be between {minimum} and {maximum}"
        return default
    return value


def iso_date(raw: str, name: str, errors: FieldErrors) -> date | None:
    """A YYYY-MM-DD date (what <input type=date> sends); None when empty or invalid."""
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{name}: {raw[:40]!r} is not a date (YYYY-MM-DD)"
        return None
