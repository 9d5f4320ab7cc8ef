"""Stored files: identifiers, the dicts Telegram describes them with, and image sizes."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any

# Telegram file_ids are opaque; these prefixes mimic real ones so they look familiar in logs.
_FILE_ID_PREFIX = {"document": "BQACAgUAAxkBAAI", "photo": "AgACAgUAAxkBAAI"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document" or "photo"
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str
    width: int = 0
    height: int = 0

    @classmethod
    def create(
        cls,
        kind: str,
        data: bytes,
        serial: int,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        if kind == "photo":
            width, height = image_size(data)
            return cls(
                file_id=_FILE_ID_PREFIX[kind] + secrets.token_urlsafe(24),
                file_unique_id="AQAD" + secrets.token_urlsafe(9),
                kind=kind,
                data=data,
                file_name=None,
                mime_type=None,
                file_path=f"photos/file_{serial}.jpg",
                width=width,
                height=height,
            )
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name, strict=False)[0]
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        return cls(
            file_id=_FILE_ID_PREFIX["document"] + secrets.token_urlsafe(24),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            kind="document",
            data=data,
            file_name=file_name,
            mime_type=mime_type or "application/octet-stream",
            file_path=f"documents/file_{serial}{suffix}",
        )

    def document_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document

    def photo_sizes(self) -> list[dict[str, Any]]:
        # Telegram returns several thumbnails; one size is enough for bots to pick [-1].
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": len(self.data),
            }
        ]

    def file_dict(self) -> dict[str, Any]:
        """The `File` object getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, GIF or JPEG; (0, 0) for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return 0, 0
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        # SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return 0, 0
