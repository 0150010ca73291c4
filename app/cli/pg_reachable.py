"""Exit 0 when the PostgreSQL URL given accepts connections; used by `make test` to add the PostgreSQL run."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    from intake.store.database import normalise_url

    try:
        engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
