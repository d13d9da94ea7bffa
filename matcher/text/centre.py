"""A project-side centre per encoder: the mean query vector of reference project texts.

Small multilingual encoders put every medical-innovation text in one narrow cone, so a provider
whose description resembles the typical project scores high against every project (a hub).
Subtracting the mean project vector from each query vector, q − μ, scores a provider by how
much more it resembles *this* project than the typical one: per project, q·r − μ·r, a
provider offset (the hubness correction of cross-lingual retrieval, and "all-but-the-top"
post-processing of embeddings). Providers' vectors are left as they are.

The centre is fixed data, computed by `matcher fit` from the judged training projects' texts
and stored under ``models/centres/`` with the encoder build it belongs to, so a project's
scores never depend on which other projects are in a catalogue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matcher.files import atomic_path

if TYPE_CHECKING:
    from matcher.text.encoders import Encoder

log = logging.getLogger(__name__)

FOLDER = "centres"


def centre_path(models_dir: Path, name: str) -> Path:
    return Path(models_dir) / FOLDER / f"{name}.json"


def mean_query(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """The mean of the encoder's (uncentred) query vectors of `texts`."""
    if not texts:
        raise ValueError("a centre needs at least one reference text")
    return np.asarray(encoder.encode_queries(list(texts)), dtype=np.float64).mean(axis=0)


def write_centre(
    models_dir: Path, name: str, model_id: str, centre: np.ndarray, source: str, count: int
) -> Path:
    """Store `centre` for the encoder build `model_id` (atomically)."""
    path = centre_path(models_dir, name)
    record = {
        "model_id": model_id,
        "source": source,
        "texts": count,
        "centre": [round(float(x), 7) for x in centre],
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


def read_centre(models_dir: Path, name: str, model_id: str) -> np.ndarray | None:
    """The stored centre of this encoder build; None when there is none or it was computed
    with another build (`matcher fit` writes a new one)."""
    path = centre_path(models_dir, name)
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    if record.get("model_id") != model_id:
        log.warning(
            "%s was computed with %s, not %s: run `matcher fit`",
            path,
            record.get("model_id"),
            model_id,
        )
        return None
    return np.asarray(record["centre"], dtype=np.float32)
