"""The Teams app package an administrator uploads: manifest.json plus its two icons, zipped.

The icons are drawn here at run time (a plain PNG writer: zlib and struct), so the package needs no image files
or imaging library: a 192x192 colour icon and the 32x32 white-on-transparent outline Teams requires.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

MANIFEST_VERSION = "1.25"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1D, 0x70, 0xB8)  # a calm blue, readable with white on top
WHITE = (255, 255, 255)

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG whose pixel (x, y) is `pixel(x, y)`."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _bubble(x: float, y: float) -> bool:
    """A speech bubble in the unit square: a rounded box with a tail at the bottom left."""
    dx = max(0.26 - x, 0.0, x - 0.74)
    dy = max(0.28 - y, 0.0, y - 0.58)
    box = dx * dx + dy * dy <= 0.08 * 0.08
    tail = 0.28 <= x <= 0.44 and 0.66 <= y <= 0.82 and (x - 0.28) <= (0.82 - y)
    return box or tail


def color_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        inside = _bubble((x + 0.5) / size, (y + 0.5) / size)
        return (*WHITE, 255) if inside else (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (*WHITE, 255) if _bubble((x + 0.5) / size, (y + 0.5) / size) else (*WHITE, 0)

    return png(size, size, pixel)


def manifest(app_id: str, public_url: str, name: str = "Request for support", version: str = "1.0.0") -> dict[str, Any]:
    host = urlparse(public_url).hostname or "localhost"
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "Early help and safeguarding intake",
            "websiteUrl": public_url,
            "privacyUrl": f"{public_url}/privacy",
            "termsOfUseUrl": f"{public_url}/terms",
        },
        "name": {"short": name[:30], "full": f"{name}: raise a concern about a child with the hub"[:100]},
        "description": {
            "short": "Raise an early-help or safeguarding concern about a child with the hub."[:80],
            "full": (
                "A guided conversation through which teachers, police and health workers raise early-help and "
                "safeguarding concerns about a child with the council's front door. It asks one question at a "
                "time, saves every answer, recommends a level of need and route with reasons, and sends the "
                "request to the hub. If a child is in immediate danger, call 999 first."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                # The intake runs in a 1:1 chat; the hub's channel receives summary cards with a Claim button.
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": "help", "description": "Explain the current question"},
                            {"title": "back", "description": "Go back to the previous question"},
                            {"title": "start again", "description": "Start this request again from the top"},
                            {"title": "cancel", "description": "Stop and discard this request"},
                        ],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def package(app_id: str, public_url: str) -> bytes:
    """The zip to upload in Teams admin centre (or "Upload a custom app")."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest(app_id, public_url.rstrip("/")), indent=2))
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    return out.getvalue()
