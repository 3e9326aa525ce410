"""Any exception a background task raises, as the UserError the window shows (see
`app.engine.failures`, the one translation the engine and the command line use too)."""

from __future__ import annotations

from app.domain.errors import NOT_CONNECTED_CODE, UserError
from app.engine.failures import failure_for

__all__ = ["NOT_CONNECTED_CODE", "user_error_for"]


def user_error_for(exc: BaseException) -> UserError:
    return failure_for(exc).error
