"""Entry point for gunicorn (`gunicorn wsgi:app`) and for `FLASK_APP=wsgi flask ...`.

Served by gunicorn, it refuses to start on a database whose schema is behind the
migrations. Imported by the flask command line (which sets FLASK_RUN_FROM_CLI) it does not
check, so that `FLASK_APP=wsgi flask db upgrade` can migrate an empty database; the app
itself still serves no request until the schema is current (see `web.create_app`).
"""

import os

from scheduler.db import db
from scheduler.db_version import ensure_current
from web import create_app

app = create_app()
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    with app.app_context():
        ensure_current(db.engine)
