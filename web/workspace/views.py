"""Officer workspace (执法人员工作台): an officer sees and acts on his or her own inspections
only (`scheduler.access`). No route yet; the blueprint is registered so that views added
here are served under /workspace/."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace", template_folder="templates")
