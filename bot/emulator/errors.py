"""The error a Bot API method answers with, shaped exactly like Telegram's."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure: becomes `{"ok": false, "error_code": ..., "description": ...}`.

    The descriptions copy Telegram's wording because bots (and PTB) match on them, e.g.
    "message is not modified" is routinely caught and ignored by real bots.
    """

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        return cls(400, f"Bad Request: {detail}")

    @classmethod
    def forbidden(cls, detail: str) -> ApiError:
        return cls(403, f"Forbidden: {detail}")

    @classmethod
    def not_found(cls, detail: str | None = None) -> ApiError:
        return cls(404, f"Not Found: {detail}" if detail else "Not Found")

    @classmethod
    def unauthorized(cls) -> ApiError:
        return cls(401, "Unauthorized")

    @classmethod
    def conflict(cls, detail: str) -> ApiError:
        return cls(409, f"Conflict: {detail}")

    @classmethod
    def too_many_requests(cls, retry_after: int) -> ApiError:
        return cls(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload
