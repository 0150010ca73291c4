"""App factories the HTTP benchmarks serve with gunicorn: the real service, and a bare Flask baseline."""

from __future__ import annotations

from flask import Flask, jsonify


def bare_app() -> Flask:
    """The floor: Flask parsing a small JSON body and answering JSON, nothing else."""
    app = Flask("bare")

    @app.post("/echo")
    def echo():  # type: ignore[no-untyped-def]
        from flask import request

        body = request.get_json(silent=True) or {}
        return jsonify({"ok": True, "n": len(body)})

    return app
