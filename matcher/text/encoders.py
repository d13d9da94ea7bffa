"""The one place that builds and loads dense sentence encoders.

Each encoder is a sentence-transformers folder under :func:`models_dir`, built once at setup
from packages installed in the venv (no downloads). ``load_encoder(name)`` returns an
:class:`Encoder`: ``encode_passages`` gives float32, L2-normalised rows; ``encode_queries``
the same minus the encoder's project-side centre when `matcher fit` stored one
(:mod:`matcher.text.centre`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from matcher.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

MODELS_DIR_ENV = "MATCHER_MODELS_DIR"
MAX_TORCH_THREADS = 2  # the target machines have 2 cores; more threads only oversubscribe
_REPO = Path(__file__).resolve().parents[2]


class Encoder(Protocol):
    """What the rest of the library needs from a dense encoder."""

    model_id: str  # names the model and its build, so caches and indexes can refuse a mismatch
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _build_e5(target: Path, force: bool) -> bool:
    from matcher.text.e5_convert import convert_e5

    return convert_e5(target, force=force)


def _build_use(target: Path, force: bool) -> bool:
    from matcher.text.use_module import build_use_folder

    return build_use_folder(target, threads=MAX_TORCH_THREADS, force=force)


@dataclass(frozen=True)
class EncoderSpec:
    """How to build, stamp and call one encoder."""

    name: str
    folder: str
    dim: int
    stamp_file: str  # written last by the builder; its content fingerprints the build
    query_prompt: str | None  # a prompt name in the folder's sentence-transformers config
    passage_prompt: str | None
    trust_remote_code: bool  # custom module classes need it in sentence-transformers 6
    build: Callable[[Path, bool], bool]


ENCODERS: dict[str, EncoderSpec] = {
    "e5-small": EncoderSpec(
        name="e5-small",
        folder="multilingual-e5-small",
        dim=384,
        stamp_file="conversion.json",
        query_prompt="query",
        passage_prompt="passage",
        trust_remote_code=False,
        build=_build_e5,
    ),
    "use-m3": EncoderSpec(
        name="use-m3",
        folder="use-multilingual-v3",
        dim=512,
        stamp_file="build.json",
        query_prompt=None,
        passage_prompt=None,
        trust_remote_code=True,
        build=_build_use,
    ),
}


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$MATCHER_MODELS_DIR`` if set, else ``<repo>/models``."""
    env = os.environ if environ is None else environ
    value = env.get(MODELS_DIR_ENV)
    return Path(value) if value else _REPO / "models"


_default_models_dir = models_dir  # build_models' parameter shadows the function name


def _spec(name: str) -> EncoderSpec:
    try:
        return ENCODERS[name]
    except KeyError:
        raise ModelError(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}") from None


def build_models(
    models_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    names: Sequence[str] | None = None,
    force: bool = False,
) -> dict[str, bool]:
    """Build every encoder folder that is missing or stale; returns name → built now."""
    directory = _default_models_dir() if models_dir is None else Path(models_dir)
    report = progress or logger.info
    built: dict[str, bool] = {}
    for name in names or list(ENCODERS):
        spec = _spec(name)
        target = directory / spec.folder
        report(f"{name}: checking {target}")
        built[name] = spec.build(target, force)
        report(f"{name}: {'built' if built[name] else 'already current'}")
    return built


class SentenceTransformerEncoder:
    """An :class:`Encoder` over a loaded ``SentenceTransformer``."""

    def __init__(
        self,
        model: SentenceTransformer,
        spec: EncoderSpec,
        model_id: str,
        centre: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.spec = spec
        self.model_id = model_id
        self.dim = spec.dim
        self.centre = centre  # subtracted from query vectors (matcher.text.centre)

    def centred(self, centre: np.ndarray) -> SentenceTransformerEncoder:
        """This encoder with queries centred on `centre`; its own model_id, so caches and
        indexes of the uncentred one are never mixed in."""
        centre = np.asarray(centre, dtype=np.float32)
        digest = hashlib.sha256(centre.tobytes()).hexdigest()[:8]
        return SentenceTransformerEncoder(
            self.model, self.spec, f"{self.model_id}+centre@{digest}", centre
        )

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=32,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out = np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search-side texts (e5: with the ``query: `` prompt), minus the centre."""
        vectors = self._encode(texts, self.spec.query_prompt)
        return vectors if self.centre is None else vectors - self.centre

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed indexed texts (e5: with the ``passage: `` prompt)."""
        return self._encode(texts, self.spec.passage_prompt)


def load_encoder(
    name: str, directory: Path | None = None, centred: bool = True
) -> SentenceTransformerEncoder:
    """Load a built encoder (cached per process), with its stored centre unless `centred` is
    False or none matches this build. Raises ModelError if it was never built."""
    from matcher.text.centre import read_centre

    directory = (models_dir() if directory is None else Path(directory)).resolve()
    encoder = _load(name, directory)
    centre = read_centre(directory, name, encoder.model_id) if centred else None
    return encoder if centre is None else encoder.centred(centre)


@cache
def _load(name: str, directory: Path) -> SentenceTransformerEncoder:
    spec = _spec(name)
    folder = directory / spec.folder
    stamp = folder / spec.stamp_file
    if not stamp.is_file():
        raise ModelError(
            f"encoder {name!r} is not built at {folder}; "
            "run `make setup` or `python -m matcher.text.build_models`"
        )
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar in CLI output

    torch.set_num_threads(max(1, min(MAX_TORCH_THREADS, os.cpu_count() or 1)))
    model = SentenceTransformer(
        str(folder), device="cpu", local_files_only=True, trust_remote_code=spec.trust_remote_code
    )
    fingerprint = hashlib.sha256(stamp.read_bytes()).hexdigest()[:12]
    logger.info("loaded encoder %s from %s", name, folder)
    return SentenceTransformerEncoder(model, spec, model_id=f"{name}@{fingerprint}")
