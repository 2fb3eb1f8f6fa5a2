"""Every text a user reads, looked up by key in bots/catalog/<lang>/*.yaml (zh_CN first).

Each feature keeps its texts in its own file; a key defined twice in one language is an error.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
DEFAULT_LANG = "zh_CN"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Load and merge one language's catalogue files."""
    merged: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        clash = set(data) & set(merged)
        if clash:
            raise ValueError(f"catalogue keys defined twice in {lang} ({path.name}): {sorted(clash)}")
        merged.update({str(k): str(v).rstrip("\n") for k, v in data.items()})
    return merged


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """Return the text for a key, filled with params; falls back to zh_CN."""
    text = catalog(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalog(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"no catalogue text for {key!r}")
    return text.format(**params) if params else text
