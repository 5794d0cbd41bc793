"""How PostgreSQL runs the list's and the API's statements at 100 000 reports: every statement one request of
``/incidents`` and ``/api/incidents`` sends, for each role of ``scale.ROLES``, with its plan (``EXPLAIN ANALYZE``,
the same parameters). ``docs/scaling.md`` quotes the plans that matter.

    PYTHONPATH=. .venv/bin/python bench/explain_list.py [postgresql://…/existing_database]

Without an argument it builds a throw-away database at ``BENCH_POSTGRES`` with ``scale.generate``'s data.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402
from harness import app_config, database, prepare  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from webapp.accounts import create_user, issue_api_token  # noqa: E402
from webapp.cli import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import User  # noqa: E402

SKIPPED = ("UPDATE", 'SELECT "user"', "SELECT receiving_number", "SELECT service_state", "SELECT warning_draft")


def build(url: str):
    app = prepare(url, scale.KABUPATEN)
    with app.app_context():
        for role, (email, name, region) in scale.ROLES.items():
            create_user(email, role.title(), name, "bench-password", region)
        scale.generate(1, scale.SIZES[0], seed=1)
        scale.generate(scale.SIZES[0] + 1, scale.SIZES[1] - scale.SIZES[0], seed=2)
    return app


def explain(app) -> None:
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    with app.app_context():
        engine = db.engine
    for role, (email, _name, _region) in scale.ROLES.items():
        with app.app_context():
            token = issue_api_token(db.session.scalar(select(User).where(User.email == email)))
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "bench-password"})
        for path, headers in (("/incidents", None), ("/api/incidents", {"Authorization": f"Bearer {token}"})):
            client.get(path, headers=headers)  # the first visit records it; the second is the one looked at
            sent: list = []

            def keep(conn, cursor, statement, parameters, context, executemany, sent=sent):
                sent.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", keep)
            try:
                assert client.get(path, headers=headers).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", keep)
            print(f"\n##### {role} {path}: {len(sent)} statements")
            with engine.connect() as conn:
                cursor = conn.connection.cursor()
                for statement, parameters in sent:
                    if statement.startswith(SKIPPED):
                        continue
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, parameters)
                    print("\n" + " ".join(statement.split())[:300])
                    print("\n".join("    " + row[0] for row in cursor.fetchall()))


def main() -> None:
    if len(sys.argv) > 1:
        explain(create_app(app_config(sys.argv[1])))
        return
    with database("postgresql") as url:
        explain(build(url))


if __name__ == "__main__":
    main()
