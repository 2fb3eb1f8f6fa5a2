"""The shared WeChat access token (one row per appid), read by every process."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import utc_field


class AccessToken(SQLModel, table=True):
    __tablename__ = "access_tokens"

    appid: str = Field(primary_key=True, max_length=64)
    # WeChat asks for at least 512 characters of storage.
    token: str = Field(max_length=1024)
    expires_at: datetime = utc_field()
    fetched_at: datetime = utc_field()
