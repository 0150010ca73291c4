"""`earlyhelp teams manifest` writes an uploadable Teams app package."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from app import create_app
from tests.teams_stubs import APP_ID


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, raw RGBA rows) of an unfiltered 8-bit RGBA PNG, checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width, height = 8, b"", 0, 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + width * 4)
    return width, height, raw


def pixels(width: int, raw: bytes) -> list[tuple[int, ...]]:
    out = []
    row = 1 + width * 4
    for start in range(0, len(raw), row):
        line = raw[start + 1 : start + row]
        out += [tuple(line[i : i + 4]) for i in range(0, len(line), 4)]
    return out


def run(tmp_path: Path, **settings: Any) -> Any:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "SECRET_KEY": "test-secret-key-of-at-least-32-characters",
            **settings,
        }
    )
    return app.test_cli_runner().invoke(args=["teams", "manifest", "--out", str(tmp_path / "pkg")])


def test_the_package_has_a_manifest_and_both_icons(tmp_path: Path) -> None:
    result = run(tmp_path, TEAMS_APP_ID=APP_ID, PUBLIC_URL="https://earlyhelp.example.org")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "pkg" / "earlyhelp-teams.zip") as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
        color = decode_png(z.read("color.png"))
        outline = decode_png(z.read("outline.png"))
    assert manifest["manifestVersion"] in manifest["$schema"]
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert "personal" in manifest["bots"][0]["scopes"]
    assert manifest["validDomains"] == ["earlyhelp.example.org"]
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    colours = set(pixels(192, color[2]))
    assert len(colours) == 2 and all(p[3] == 255 for p in colours), "a full-colour icon, opaque"
    marks = set(pixels(32, outline[2]))
    assert marks == {(255, 255, 255, 255), (255, 255, 255, 0)}, "white on transparent, as Teams requires"


def test_the_package_needs_an_app_id(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.exit_code != 0 and "TEAMS_APP_ID" in result.output
