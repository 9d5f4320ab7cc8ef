"""Typed access to the parameters of one Bot API call, whatever way they were encoded.

PTB sends `application/x-www-form-urlencoded` (or multipart when uploading) where strings are
sent as-is and every other value is JSON-encoded ("1001", "true", '{"inline_keyboard": ...}').
Other clients (curl, a web demo) may send a JSON body with native types. `Params` accepts both,
so the method implementations never care how a value arrived.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ApiError

_ATTACH_PREFIX = "attach://"


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part."""

    filename: str
    data: bytes
    content_type: str | None


class Params:
    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadedFile] | None = None,
    ) -> None:
        self._values: dict[str, Any] = dict(values or {})
        self._files: dict[str, UploadedFile] = dict(files or {})

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) is not None or name in self._files

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def get_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def require_str(self, name: str, missing: str) -> str:
        """The value as a non-empty string; `missing` is the error detail otherwise."""
        value = self.get_str(name)
        if not value:
            raise ApiError.bad_request(missing)
        return value

    def get_int(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ApiError.bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError.bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str, missing: str) -> int:
        value = self.get_int(name)
        if value is None:
            raise ApiError.bad_request(missing)
        return value

    def get_float(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError.bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        """A JSON object/array parameter (reply_markup, scope, commands, entities...)."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ApiError.bad_request(f"can't parse {name} JSON object") from None

    def get_input_file(self, name: str) -> UploadedFile | str | None:
        """An InputFile parameter: the uploaded part, or a string (file_id or URL).

        The upload is either the multipart part named like the parameter (what PTB does for
        sendDocument/sendPhoto) or one referenced as `attach://<part name>`.
        """
        if name in self._files:
            return self._files[name]
        value = self.get_str(name)
        if value is not None and value.startswith(_ATTACH_PREFIX):
            part = self._files.get(value.removeprefix(_ATTACH_PREFIX))
            if part is None:
                raise ApiError.bad_request(f"file {value} not found in the request")
            return part
        return value
