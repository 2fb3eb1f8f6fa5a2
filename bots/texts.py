"""Every text a user reads, looked up by key in bots/catalog/<lang>.yaml (zh_CN first)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
DEFAULT_LANG = "zh_CN"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """Load one language's catalogue."""
    path = CATALOG_DIR / f"{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v).rstrip("\n") for k, v in data.items()}


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """Return the text for a key, filled with params; falls back to zh_CN, then to the key."""
    text = catalog(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalog(DEFAULT_LANG).get(key)
    if text is None:
        raise KeyError(f"no catalogue text for {key!r}")
    return text.format(**params) if params else text
