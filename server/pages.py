"""The page itself.  Its scripts and styles are static files (assets.py)."""
from __future__ import annotations

from flask import Blueprint, render_template

pages = Blueprint("pages", __name__)


@pages.get("/")
def index():
    """The playground."""
    return render_template("index.html")
