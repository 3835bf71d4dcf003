"""Errors the caller must fix (client errors), as opposed to provider failures."""

from __future__ import annotations

from typing import Any


class RequestError(Exception):
    """A request the gateway refuses before any provider is called.

    `status` is the HTTP status; `detail` is FastAPI's shape: a string, or for 422 a list of
    `{"loc", "msg", "type"}` items.
    """

    def __init__(self, status: int, detail: str | list[dict[str, Any]], error_code: str = "invalid_request"):
        super().__init__(detail if isinstance(detail, str) else "; ".join(d["msg"] for d in detail))
        self.status = status
        self.detail = detail
        self.error_code = error_code

    @classmethod
    def field(
        cls, loc: tuple[str | int, ...], msg: str, type_: str = "value_error", status: int = 422
    ) -> RequestError:
        return cls(status, [{"loc": list(loc), "msg": msg, "type": type_}], error_code=type_)


class NotFound(RequestError):
    def __init__(self, what: str) -> None:
        super().__init__(404, f"{what} not found", error_code="not_found")
