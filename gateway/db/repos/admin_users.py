"""Admin web UI accounts and sessions (tables in gateway.db.tables.admin).

Sign-in failures (unknown user, wrong password, disabled account) are one `Unauthorized`
with one message, and an unknown user still costs one scrypt verification, so neither the
answer nor its timing tells which usernames exist.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import audit
from gateway.admin.passwords import (
    DUMMY_HASH,
    PasswordPolicyError,
    hash_password,
    verify_password,
)
from gateway.db.base import require_aware
from gateway.db.tables.admin import AdminSession, AdminUser
from gateway.errors import Conflict, InputError, NotFound, Unauthorized

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
SESSION_LIFETIME = timedelta(hours=8)
SIGN_IN_FAILED = "unknown username or wrong password"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: the cookie token (shown to the browser only) and its row."""

    token: str
    session: AdminSession
    user: AdminUser


def token_hash(token: str) -> str:
    return hashlib.sha256(f"gateway-admin-session-v1:{token}".encode()).hexdigest()


def check_username(username: str) -> str:
    """Lower-case letters, digits and ``._@-``, 2 to 64 characters."""
    normalised = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(normalised):
        raise InputError("username: 2 to 64 characters, lower-case letters, digits and . _ @ -, "
                         "starting with a letter or digit")
    return normalised


async def get_user_by_name(session: AsyncSession, username: str) -> AdminUser | None:
    stmt = select(AdminUser).where(AdminUser.username == username.strip().lower())
    return (await session.scalars(stmt)).one_or_none()


async def create_user(
    session: AsyncSession, *, username: str, password: str, now: datetime, actor: str
) -> AdminUser:
    """A new admin account (audited). Conflict when the username is taken."""
    name = check_username(username)
    try:
        hashed = hash_password(password)
    except PasswordPolicyError as exc:
        raise InputError(str(exc)) from None
    if await get_user_by_name(session, name) is not None:
        raise Conflict(f"admin user {name!r} already exists")
    now = require_aware(now, "now")
    user = AdminUser(username=name, password_hash=hashed, created_at=now, updated_at=now)
    session.add(user)
    await session.flush()
    audit.record(session, actor=actor, action="admin_user.created", subject_type="admin_user",
                 subject_id=user.id, at=now, data={"username": name})
    return user


async def set_password(
    session: AsyncSession, username: str, password: str, *, now: datetime, actor: str
) -> AdminUser:
    """Replace the password and end every session of the user (audited)."""
    user = await get_user_by_name(session, username)
    if user is None:
        raise NotFound(f"admin user {username!r} not found")
    try:
        user.password_hash = hash_password(password)
    except PasswordPolicyError as exc:
        raise InputError(str(exc)) from None
    user.updated_at = require_aware(now, "now")
    await session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))
    audit.record(session, actor=actor, action="admin_user.password", subject_type="admin_user",
                 subject_id=user.id, at=now, data={"username": user.username})
    return user


async def list_users(session: AsyncSession) -> Sequence[AdminUser]:
    return (await session.scalars(select(AdminUser).order_by(AdminUser.username))).all()


async def sign_in(
    session: AsyncSession, *, username: str, password: str, now: datetime,
    lifetime: timedelta = SESSION_LIFETIME,
) -> SignedIn:
    """Check the password and open a session; Unauthorized with one message otherwise."""
    user = await get_user_by_name(session, username[:64])
    stored = user.password_hash if user is not None else DUMMY_HASH
    matches = verify_password(password, stored)
    if user is None or not matches or user.disabled_at is not None:
        raise Unauthorized(SIGN_IN_FAILED)
    now = require_aware(now, "now")
    await purge_expired_sessions(session, now=now)  # keeps the table at the live sessions
    token = secrets.token_urlsafe(32)
    row = AdminSession(token_hash=token_hash(token), user_id=user.id,
                       csrf_token=secrets.token_hex(32), created_at=now,
                       expires_at=now + lifetime)
    session.add(row)
    await session.flush()
    audit.record(session, actor=f"admin-ui:{user.username}", action="admin_user.signed_in",
                 subject_type="admin_user", subject_id=user.id, at=now)
    return SignedIn(token, row, user)


async def find_session(
    session: AsyncSession, token: str, *, now: datetime
) -> tuple[AdminSession, AdminUser] | None:
    """The live session of a cookie token with its (enabled) user, or None."""
    if not token or len(token) > 128:
        return None
    stmt = (select(AdminSession, AdminUser)
            .join(AdminUser, AdminUser.id == AdminSession.user_id)
            .where(AdminSession.token_hash == token_hash(token)))
    found = (await session.execute(stmt)).one_or_none()
    if found is None:
        return None
    row, user = found[0], found[1]
    if row.expires_at <= require_aware(now, "now") or user.disabled_at is not None:
        return None
    return row, user


async def sign_out(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash(token)))


async def purge_expired_sessions(session: AsyncSession, *, now: datetime) -> int:
    result = await session.execute(
        delete(AdminSession).where(AdminSession.expires_at <= require_aware(now, "now")))
    return int(getattr(result, "rowcount", 0) or 0)
