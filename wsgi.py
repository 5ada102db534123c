"""Entry point for gunicorn: `gunicorn wsgi:app`. Refuses to start on an out-of-date schema."""

from scheduler.db import db
from scheduler.db_version import ensure_current
from web import create_app

app = create_app()
with app.app_context():
    ensure_current(db.engine)
