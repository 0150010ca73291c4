"""Log lines that never carry personal data, on any path including failures.

Set up once by `create_app` (`install`), for every logger in the process:
- an exception logged anywhere (`log.exception`, `exc_info=True`, a library's own error log) is written as its
  traceback's frames and the exceptions' types only, never their messages: a database error's text can quote the
  row it was writing (PostgreSQL's "Failing row contains (...)"), a parser's the answer it could not read;
- a database error passed as a log argument is written as its driver class and error code;
- a browser-chat conversation id in a path (the key to a draft before ownership was checked, and still a handle on
  one) is written as a short tag, in the access log (`RedactingAccessLog`, gunicorn's `--logger-class`) and in the
  app's own lines (`redact_path`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

from intake.store.database import describe_database_error, is_database_error

_CONVERSATION = re.compile(r"(/chat/conversations/)([^/?#\s\"]+)")


def redact_path(text: str) -> str:
    """`/chat/conversations/<id>/messages` -> `/chat/conversations/c-<tag>/messages` (the tag as in the logs)."""
    if "/chat/conversations/" not in text:
        return text
    return _CONVERSATION.sub(lambda m: m.group(1) + "c-" + _tag(m.group(2)), text)


def _tag(conversation_id: str) -> str:
    # The same tag as intake.store.draft.conversation_tag, so an access-log line and an app line can be matched.
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def safe_traceback(exc_info: ExcInfo) -> str:
    """The traceback as Python prints it, with every exception's message replaced by what kind of error it was."""
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    err: BaseException | None = exc_info[1]
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        chain.append(err)
        err = err.__cause__ or (None if err.__suppress_context__ else err.__context__)
    for position, one in enumerate(reversed(chain)):
        if position:
            lines.append("\nThe above exception led to the following one:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(one.__traceback__)))
        lines.append(_kind(one) + "\n")
    return "".join(lines).rstrip("\n")


def _kind(err: BaseException) -> str:
    if is_database_error(err):
        return describe_database_error(err)
    return f"{type(err).__module__}.{type(err).__qualname__} (message not logged)"


def _safe_arg(value: Any) -> Any:
    return describe_database_error(value) if isinstance(value, BaseException) and is_database_error(value) else value


_installed: Callable[..., logging.LogRecord] | None = None


def install(level: str) -> None:
    """Make every log record of this process safe (idempotent), and give the root logger a handler if it has
    none (gunicorn's workers and the clock; under pytest, its capture handlers are already there)."""
    global _installed
    if _installed is None:
        plain = logging.getLogRecordFactory()

        def safe_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = plain(*args, **kwargs)
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = safe_traceback(record.exc_info)  # type: ignore[arg-type]
            if isinstance(record.args, tuple) and any(isinstance(a, BaseException) for a in record.args):
                record.args = tuple(_safe_arg(a) for a in record.args)
            return record

        logging.setLogRecordFactory(safe_record)
        _installed = safe_record
    logging.basicConfig(level=level)
    logging.getLogger().setLevel(level)


class RedactingAccessLog(GunicornLogger):
    """gunicorn's logger with conversation ids in request lines, paths, referrers and headers written as tags.

    Used by the Procfile and `earlyhelp serve` (`--logger-class app.logs.RedactingAccessLog`)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "/chat/conversations/" in value:
                atoms[key] = redact_path(value)
        return atoms
