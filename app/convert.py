"""Turn wechatpy's message objects into the plain bots.Message."""
from __future__ import annotations

from bots.message import EVENT, IMAGE, LINK, LOCATION, TEXT, UNKNOWN, VIDEO, VOICE, Message

KINDS = {"text": TEXT, "voice": VOICE, "image": IMAGE, "location": LOCATION, "link": LINK,
         "video": VIDEO, "shortvideo": VIDEO, "event": EVENT}


def to_message(wx) -> Message:
    """Copy the fields a bot may use out of a parsed WeChat push."""
    raw = dict(getattr(wx, "_data", {}) or {})
    kind = KINDS.get(str(raw.get("MsgType", "")).lower(), UNKNOWN)
    event = (getattr(wx, "event", "") or "").lower() if kind == EVENT else ""
    if kind == EVENT and not event:
        event = str(raw.get("Event", "")).lower()
    latitude = longitude = None
    if kind == LOCATION:
        latitude, longitude = _float(raw.get("Location_X")), _float(raw.get("Location_Y"))
    elif event == "location":
        latitude, longitude = _float(raw.get("Latitude")), _float(raw.get("Longitude"))
    extra = {k: v for k, v in raw.items() if isinstance(v, (str, int, float))} if kind in (EVENT, UNKNOWN) else {}
    if kind == VOICE:
        extra = {"Format": str(raw.get("Format") or "").lower()}  # amr or speex: how to decode it
    return Message(
        openid=str(raw.get("FromUserName") or getattr(wx, "source", "") or ""),
        kind=kind,
        event=event,
        msg_id=_int(raw.get("MsgId")),
        create_time=_int(raw.get("CreateTime")) or 0,
        text=str(raw.get("Content") or "") if kind == TEXT else str(raw.get("Title") or ""),
        recognition=_recognition(raw) if kind == VOICE else None,
        media_id=str(raw.get("MediaId") or ""),
        event_key=_event_key(wx, raw, event),
        label=str(raw.get("Label") or ""),
        latitude=latitude,
        longitude=longitude,
        extra=extra,
    )


def _event_key(wx, raw: dict, event: str) -> str:
    if event in ("subscribe_scan", "scan"):
        return str(getattr(wx, "scene_id", "") or "")
    key = raw.get("EventKey")
    return str(key) if isinstance(key, (str, int)) else ""


def _recognition(raw: dict) -> str | None:
    value = raw.get("Recognition")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
