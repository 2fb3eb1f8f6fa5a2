"""Tencent Cloud ASR one-sentence recognition (一句话识别, SentenceRecognition, API 2019-06-14).

A JSON POST to https://asr.tencentcloudapi.com/ signed with TC3-HMAC-SHA256 exactly as SMS is (the
signing is app/sms/tencent.py's, with the service name `asr`). The audio goes in the body (SourceType
1) as base64 WAV, at most 60 s; `EngSerViceType` picks the engine: 16k_zh (Mandarin), 16k_zh_dialect
(Mandarin and 23 dialects; our default, for elders), 16k_zh-PY (Mandarin, English, Cantonese) and others.
A success answers Response.Result (the text) and AudioDuration; a refusal Response.Error {Code,
Message}: AuthFailure.* (credentials, signature, clock), FailedOperation.* (e.g. no free amount left,
service isolated for arrears), InvalidParameterValue.* (the audio), InternalError.*, RequestLimitExceeded.
The API gives no confidence, so a transcript from it is uncertain only by what it would do.
"""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import requests

from app.sms.tencent import ALGORITHM, CONTENT_TYPE, SIGNED_HEADERS, signature
from app.speech.audio import Pcm
from app.speech.recognisers import Heard, SpeechError

SERVICE, ACTION, VERSION = "asr", "SentenceRecognition", "2019-06-14"


class TencentAsr:
    """One Tencent Cloud account's one-sentence recognition with one engine type."""

    name = "tencent"

    def __init__(self, *, secret_id: str, secret_key: str, endpoint: str = "https://asr.tencentcloudapi.com",
                 engine: str = "16k_zh_dialect", region: str = "", timeout: float = 3.0,
                 clock: Callable[[], float] = time.time):
        self.secret_id, self.secret_key, self.engine, self.region = secret_id, secret_key, engine, region
        self.endpoint, self.timeout, self.clock = endpoint.rstrip("/") + "/", timeout, clock
        self.host = urlsplit(self.endpoint).netloc
        self.model = engine

    @classmethod
    def from_settings(cls, tencent: Mapping) -> TencentAsr:
        return cls(secret_id=tencent["secret_id"], secret_key=tencent["secret_key"], endpoint=tencent["endpoint"],
                   engine=tencent["engine"], region=tencent["region"], timeout=float(tencent["timeout"]))

    def transcribe(self, pcm: Pcm) -> Heard:
        wav = pcm.wav()
        body = {"ProjectId": 0, "SubServiceType": 2, "EngSerViceType": self.engine, "SourceType": 1,
                "VoiceFormat": "wav", "Data": base64.b64encode(wav).decode("ascii"), "DataLen": len(wav),
                "FilterModal": 1, "ConvertNumMode": 1}
        answer = self._post(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        if "Error" in answer:
            raise SpeechError(str(answer["Error"].get("Code", "")), str(answer["Error"].get("Message", "")))
        text = str(answer.get("Result") or "").strip()
        if not text:
            raise SpeechError("EmptyResult", "nothing recognised")
        return Heard(text)

    def _post(self, payload: bytes) -> dict:
        timestamp = int(self.clock())
        scope, sig = signature(self.secret_key, host=self.host, action=ACTION, payload=payload, timestamp=timestamp,
                               service=SERVICE)
        headers = {
            "Authorization": f"{ALGORITHM} Credential={self.secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, "
                             f"Signature={sig}",
            "Content-Type": CONTENT_TYPE, "Host": self.host, "X-TC-Action": ACTION, "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
        }
        if self.region:  # this API needs none; sent only when the operator configured one
            headers["X-TC-Region"] = self.region
        try:
            response = requests.post(self.endpoint, data=payload, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise SpeechError("Timeout", f"no answer within {self.timeout:g}s") from None
        except requests.RequestException as exc:
            raise SpeechError("ConnectFailed", type(exc).__name__) from None
        if response.status_code != 200:
            raise SpeechError(f"HTTP{response.status_code}", "server error")
        try:
            return response.json()["Response"]
        except (ValueError, KeyError, TypeError):
            raise SpeechError("BadAnswer", "unreadable answer") from None
