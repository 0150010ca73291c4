"""The Teams app package an administrator uploads: manifest.json plus its two icons (icons/: the 192x192 colour icon
and the 32x32 white-on-transparent outline Teams requires), zipped.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

MANIFEST_VERSION = "1.25"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = "#1D70B8"  # the colour icon's blue, readable with white on top
ICONS = Path(__file__).parent / "icons"


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
        "accentColor": ACCENT,
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
        z.write(ICONS / "color.png", "color.png")
        z.write(ICONS / "outline.png", "outline.png")
    return out.getvalue()
