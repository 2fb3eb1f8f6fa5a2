"""Offline recognition on our own server with faster-whisper (CTranslate2 Whisper models).

The operator provides a model directory (a CTranslate2 conversion of Whisper: config.json, model.bin,
tokenizer.json, vocabulary.*), e.g. Systran's faster-whisper-small; nothing is downloaded at run time.
The model is loaded once per process, on first use. Confidence is the mean token probability
(exp of the segments' average log-probability, weighted by length), lowered when Whisper itself thinks
there was no speech.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from pathlib import Path

from app.speech.audio import Pcm
from app.speech.recognisers import Heard, SpeechError
from bots.texts import t

# Whisper's Chinese output mixes traditional and simplified characters; a simplified prompt (catalogue key
# voice_whisper_prompt) steers it.
PROMPT_KEY = "voice_whisper_prompt"
_models: dict[tuple[str, int], object] = {}
_lock = threading.Lock()


class LocalWhisper:
    """faster-whisper with a model directory on this machine."""

    name = "local"

    def __init__(self, *, model_dir: str, language: str = "zh", threads: int = 2, beam_size: int = 1):
        self.model_dir, self.language, self.threads, self.beam_size = model_dir, language, threads, beam_size
        self.model = Path(model_dir).name or model_dir

    @classmethod
    def from_settings(cls, local: Mapping) -> LocalWhisper:
        return cls(model_dir=str(local["model_dir"]), language=str(local["language"]), threads=int(local["threads"]),
                   beam_size=int(local["beam_size"]))

    def load(self):
        """The loaded model (once per process and directory); SpeechError when it cannot be loaded."""
        key = (self.model_dir, self.threads)
        with _lock:
            if key not in _models:
                if not self.model_dir or not (Path(self.model_dir) / "model.bin").is_file():
                    raise SpeechError("NoModel", f"no model.bin in {self.model_dir!r}")
                try:
                    from faster_whisper import WhisperModel  # type: ignore[import-untyped]  # no stubs shipped

                    _models[key] = WhisperModel(self.model_dir, device="cpu", compute_type="int8",
                                                cpu_threads=self.threads, local_files_only=True)
                except (ImportError, RuntimeError, ValueError, OSError) as exc:
                    raise SpeechError("ModelLoadFailed", f"{type(exc).__name__}: {exc}") from None
            return _models[key]

    def transcribe(self, pcm: Pcm) -> Heard:
        model = self.load()
        prompt = t(PROMPT_KEY)
        # Greedy, one temperature and a bounded output: a clip that confuses the model must not loop for
        # seconds inventing text (Whisper's fallback retries did exactly that on synthetic speech).
        segments, _ = model.transcribe(
            pcm.floats(), language=self.language, beam_size=self.beam_size, temperature=0.0,
            condition_on_previous_text=False, initial_prompt=prompt, without_timestamps=True,
            max_new_tokens=max(16, pcm.duration_ms // 100))
        segments = [s for s in segments if s.text.strip()]
        text = "".join(s.text for s in segments).strip()
        if not text or text == prompt:
            raise SpeechError("EmptyResult", "nothing recognised")
        weight = sum(max(1, len(s.text)) for s in segments)
        logprob = sum(s.avg_logprob * max(1, len(s.text)) for s in segments) / weight
        speech = 1.0 - max(s.no_speech_prob for s in segments)
        return Heard(text, round(min(1.0, math.exp(logprob)) * min(1.0, speech * 2), 3))
