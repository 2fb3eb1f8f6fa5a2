"""Charts placeholder (filled below)."""
from app.console.common import blueprint

bp = blueprint("console_charts", __name__)
