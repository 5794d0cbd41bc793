"""What a kecamatan teaches the SMS parser: its languages, its desa's dusun, and words learned from triage."""

from flask import Blueprint

bp = Blueprint("vocabulary", __name__)

from . import routes  # noqa: E402,F401
