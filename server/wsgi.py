"""The WSGI entry point: ``gunicorn server.wsgi:app`` (see gunicorn.conf.py)."""
from server import create_app

app = create_app()
