"""Followers and tags: who follows the account and how they are labelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import WeChatError

FIRST_TAG_ID = 100  # ids below 100 are the platform's own (0, 1, 2 reserved)
MAX_TAGS = 100
MAX_TAGS_PER_USER = 20
MAX_TAG_NAME = 30
MAX_BATCH = 50


@dataclass
class Follower:
    """What the platform knows about one follower."""

    subscribe_time: int
    scene: str = "ADD_SCENE_QR_CODE"
    qr_scene_str: str = ""


@dataclass
class Audience:
    """Followers, unionids and tags of the account."""

    auto_follow: bool = False
    followers: dict[str, Follower] = field(default_factory=dict)
    unfollowed: set[str] = field(default_factory=set)
    known: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    unionids: dict[str, str] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    user_tags: dict[str, list[int]] = field(default_factory=dict)
    next_tag_id: int = FIRST_TAG_ID

    def see(self, openid: str) -> None:
        """Remember an openid the fake has heard of (for is_to_all mass sends)."""
        self.known.setdefault(openid, None)

    def follow(self, openid: str, now: float, scene: str = "ADD_SCENE_QR_CODE",
               qr_scene_str: str = "") -> None:
        """Make the user a follower, keeping an earlier subscribe time."""
        self.see(openid)
        self.unfollowed.discard(openid)
        if openid not in self.followers:
            self.followers[openid] = Follower(int(now), scene, qr_scene_str)

    def unfollow(self, openid: str) -> None:
        """Make the user a non-follower, even under auto_follow; tags are dropped."""
        self.see(openid)
        self.followers.pop(openid, None)
        self.user_tags.pop(openid, None)
        self.unfollowed.add(openid)

    def is_follower(self, openid: str, now: float) -> bool:
        """True if the user follows the account (auto_follow counts anyone not unfollowed)."""
        if openid in self.followers:
            return True
        if self.auto_follow and openid and openid not in self.unfollowed:
            self.follow(openid, now)
            return True
        return False

    def require_follower(self, openid: str, now: float) -> None:
        """Raise 43004 unless the user follows the account."""
        if not self.is_follower(openid, now):
            raise WeChatError(43004)

    def everyone(self, now: float) -> list[str]:
        """Return every known follower in the order they were first seen."""
        return [o for o in self.known if self.is_follower(o, now)]

    def user_info(self, openid: str, now: float) -> dict[str, Any]:
        """Return the /cgi-bin/user/info body for a user."""
        self.see(openid)
        if not self.is_follower(openid, now):
            return {"subscribe": 0, "openid": openid}
        follower = self.followers[openid]
        info: dict[str, Any] = {
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": follower.subscribe_time,
            "remark": "",
            "groupid": 0,
            "tagid_list": list(self.user_tags.get(openid, [])),
            "subscribe_scene": follower.scene,
            "qr_scene": 0,
            "qr_scene_str": follower.qr_scene_str,
        }
        if openid in self.unionids:
            info["unionid"] = self.unionids[openid]
        return info

    def create_tag(self, name: Any) -> dict[str, Any]:
        """Create a tag, answering 45157/45158/45056 like the real API."""
        if not isinstance(name, str) or not name:
            raise WeChatError(47001)
        if len(name) > MAX_TAG_NAME:
            raise WeChatError(45158)
        if name in self.tags.values():
            raise WeChatError(45157)
        if len(self.tags) >= MAX_TAGS:
            raise WeChatError(45056)
        tag_id = self.next_tag_id
        self.next_tag_id += 1
        self.tags[tag_id] = name
        return {"id": tag_id, "name": name}

    def list_tags(self) -> list[dict[str, Any]]:
        """Return every tag with its member count."""
        return [
            {"id": tag_id, "name": name, "count": len(self.members(tag_id))}
            for tag_id, name in self.tags.items()
        ]

    def members(self, tag_id: int) -> list[str]:
        """Return the followers carrying a tag."""
        return [o for o, ids in self.user_tags.items() if tag_id in ids]

    def tag_users(self, tag_id: Any, openids: Any, now: float, add: bool) -> None:
        """Add or remove a tag on up to 50 followers (40032, 45159, 40003, 45059)."""
        checked_tag = self.check_tag(tag_id)
        users = self._check_batch(openids, now)
        if add and any(self._would_overflow(o, checked_tag) for o in users):
            raise WeChatError(45059)
        for openid in users:
            ids = self.user_tags.setdefault(openid, [])
            if add and checked_tag not in ids:
                ids.append(checked_tag)
            elif not add and checked_tag in ids:
                ids.remove(checked_tag)

    def tags_of(self, openid: Any, now: float) -> list[int]:
        """Return the tag ids of a follower (40003 for a non-follower)."""
        if not isinstance(openid, str) or not self.is_follower(openid, now):
            raise WeChatError(40003)
        return list(self.user_tags.get(openid, []))

    def check_tag(self, tag_id: Any) -> int:
        """Return the tag id as an int, or raise 45159 if no such tag exists."""
        # JSON clients send the id as a number or a numeric string; both work.
        if isinstance(tag_id, str) and tag_id.isdigit():
            tag_id = int(tag_id)
        if not isinstance(tag_id, int) or isinstance(tag_id, bool) or tag_id not in self.tags:
            raise WeChatError(45159)
        return tag_id

    def _check_batch(self, openids: Any, now: float) -> list[str]:
        if not isinstance(openids, list) or not 1 <= len(openids) <= MAX_BATCH:
            raise WeChatError(40032)
        for openid in openids:
            if not isinstance(openid, str) or not self.is_follower(openid, now):
                raise WeChatError(40003)
        return openids

    def _would_overflow(self, openid: str, tag_id: int) -> bool:
        ids = self.user_tags.get(openid, [])
        return tag_id not in ids and len(ids) >= MAX_TAGS_PER_USER
