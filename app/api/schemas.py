"""The API's request and response bodies (Pydantic): validation and the OpenAPI document come from these.

Times are ISO 8601 with an offset, minutes are integers, money is in fen.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.help.requests import CATEGORIES

ASKABLE = tuple(c for c in CATEGORIES if c != "emergency")  # emergencies go through a call or the chat
Category = Literal[ASKABLE]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details; `title` is Chinese and may be shown as is."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None


class LoginIn(Body):
    code: str = Field(min_length=1, max_length=128, description="the code from wx.login")


class LoginOut(BaseModel):
    token: str
    expires_in: int = Field(description="seconds")
    linked: bool


class PhoneLinkIn(Body):
    code: str = Field(min_length=1, max_length=128, description="the code from getPhoneNumber")


class CodeLinkIn(Body):
    code: str = Field(pattern=r"^\d{6}$", description="the 6-digit code sent in the Official Account chat")


class Person(BaseModel):
    id: int
    name: str


class Me(BaseModel):
    linked: bool
    id: int | None = None
    name: str = ""
    roles: list[str] = []
    village: str | None = None
    elders: list[Person] = Field(default=[], description="the elders I act for (myself included when I am one)")


class Cursor(BaseModel):
    cursor: str | None = Field(default=None, pattern=r"^[0-9]{1,9}$", description="opaque: from next_cursor")
    limit: int = Field(default=20, ge=1, le=50)


class Window(Body):
    start: AwareDatetime
    end: AwareDatetime


class HelpRequestIn(Body):
    elder_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="omitted: myself")
    category: Category
    details: str = Field(min_length=2, max_length=200)
    when: Window
    place: str = Field(default="", max_length=100, description="empty: the elder's home")


class HelpRequestOut(BaseModel):
    id: int
    status: str
    category: str
    details: str
    place: str
    urgency: str
    window_start: AwareDatetime
    window_end: AwareDatetime
    elder: Person
    volunteer: str | None = None
    minutes_spent: int | None = None
    rating: int | None = None
    created_at: AwareDatetime


class HelpRequestPage(BaseModel):
    items: list[HelpRequestOut]
    next_cursor: str | None


class RatingIn(Body):
    score: int = Field(ge=1, le=5)


class ComplaintIn(Body):
    about: str = Field(min_length=2, max_length=500)


class ComplaintOut(BaseModel):
    id: int
    request_id: int | None


class TaskOut(BaseModel):
    id: int
    status: str
    category: str
    window_start: AwareDatetime
    window_end: AwareDatetime
    place: str = Field(description="rough until the claim is won")
    details: str = Field(description="redacted until the claim is won")


class TaskList(BaseModel):
    items: list[TaskOut]


class DoneIn(Body):
    minutes: int | None = Field(default=None, ge=1, le=24 * 60, description="how long the visit took; "
                                "without it, the time from /start, or the category's minimum (docs/help.md)")
    early: bool = Field(default=False, description="done long before the booked window, and the volunteer says so "
                        "(without it such a /done answers 409 done_early)")


class Outcome(BaseModel):
    result: str


class Balance(BaseModel):
    minutes: int


class LedgerLine(BaseModel):
    id: int
    minutes: int  # signed: + into my account, - out of it
    reason: str  # earned, paid, gift_in, gift_out, donated, … (docs/timebank.md)
    request_id: int | None  # the help request a visit line came from
    category: str | None  # that request's category
    created_at: AwareDatetime


class Statement(BaseModel):
    items: list[LedgerLine]
    next_cursor: str | None


class NoticeOut(BaseModel):
    id: int
    title: str
    text: str
    sent_at: AwareDatetime | None


class NoticePage(BaseModel):
    items: list[NoticeOut]
    next_cursor: str | None


class FamilyLinkOut(BaseModel):
    id: int
    person: Person
    side: Literal["elder", "family"] = Field(description="what the other person is to me")
    relationship: str


class Family(BaseModel):
    items: list[FamilyLinkOut]


class BindingCodeIn(Body):
    elder_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="omitted: myself")


class BindingCodeOut(BaseModel):
    code: str
    expires_at: AwareDatetime


class BindIn(Body):
    code: str = Field(pattern=r"^\d{4,8}$")
    relationship: str = Field(default="", max_length=32)


class BindOut(BaseModel):
    status: str


class ExportQuery(BaseModel):
    elder_id: int | None = Field(default=None, ge=1, le=2**31 - 1,
                                 description="an elder I act for (they are told); omitted: myself")


class PrivacyExport(BaseModel):
    """Everything held about the person (the chat's 导出我的信息): one list per section, `erased` once cancelled."""

    user_id: int
    generated_at: str
    erased: bool
    profile: dict[str, Any]
    bindings: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    ratings: list[dict[str, Any]]
    timebank: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    accesses: list[dict[str, Any]]
    download_url: str | None = Field(default=None, description="the same as a JSON file (?format=csv: CSV), "
                                                               "signed, valid 24 hours")
    download_expires_at: AwareDatetime | None = None


class DeletionOut(BaseModel):
    """注销: what was done at once and by when the rest is finished."""

    status: Literal["erased"] = Field(description="personal data erased or anonymised in this request")
    message: str = Field(description="Chinese, to show as is")
    requested_at: AwareDatetime
    erased_at: AwareDatetime
    completes_by: AwareDatetime = Field(description="the sweep of anything left closes the request before this "
                                                    "(15 working days at the latest; normally within an hour)")
    token_revoked: bool = Field(description="this mini-program login is gone: log in again to start anew")
