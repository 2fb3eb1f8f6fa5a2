"""The README's promises: every configuration key is documented, the two commands exist."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Sections documented as a whole (their keys are data, not settings).
WHOLE = {"templates", "menu", "delivery.rate_per_second", "timebank.credit_default", "timebank.credit_by_category",
         "dispatch.required_qualifications", "checkin"}


def keys(node: dict, prefix: str = ""):
    for name, value in node.items():
        dotted = prefix + name
        if isinstance(value, dict) and dotted not in WHOLE:
            yield from keys(value, dotted + ".")
        else:
            yield dotted


def test_every_configuration_key_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    missing = []
    for dotted in keys(config):
        section, _, leaf = dotted.rpartition(".")
        documented = f"`{dotted}" in readme or (section and f"`{section}.*`" in readme) or (
            section and f"`{leaf}`" in readme and f"`{section}." in readme)
        if not documented:
            missing.append(dotted)
    assert missing == []


def test_the_first_screen_gives_the_two_commands():
    first_screen = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:12]
    text = "\n".join(first_screen)
    assert "make run" in text and "make test" in text
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile and "\ntest:" in makefile
