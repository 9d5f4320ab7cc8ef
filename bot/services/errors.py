"""Errors a person can act on. Each carries a catalog key; the handler renders it in the
asker's language. Raising one means nothing was changed."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class PermissionDenied(DomainError):
    def __init__(self, key: str = "error.forbidden", **params: object) -> None:
        super().__init__(key, **params)


class NotFound(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class Conflict(DomainError):
    """The thing changed under the asker: already decided, already used, stale card."""
