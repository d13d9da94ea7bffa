"""Assembles rankers from records and the built models: the library's front door."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .catalogue import DEFAULT_COVERAGE, Catalogue
from .features import PairFeaturizer, Progress, feature_names
from .fusion import Fusion
from .schema import Project, Resource
from .settings import DEFAULT_ENCODERS as DEFAULT_ENCODERS  # re-exported: callers import it here
from .settings import Settings
from .text.encoders import Encoder

log = logging.getLogger(__name__)


def load_encoders(settings: Settings) -> dict[str, Encoder]:
    """The configured dense encoders, each behind the on-disk embedding cache."""
    from .text.cache import CachedEncoder
    from .text.encoders import load_encoder

    return {
        name: CachedEncoder(
            load_encoder(name, settings.models_dir), settings.cache_dir / "embeddings"
        )
        for name in settings.encoders
    }


def write_centres(settings: Settings, texts: Sequence[str], source: str) -> None:
    """Store each configured encoder's project-side centre: the mean query vector of `texts`
    (see `matcher.text.centre`); `load_encoders` applies it from then on."""
    from .text.cache import CachedEncoder
    from .text.centre import mean_query, write_centre
    from .text.encoders import load_encoder

    for name in settings.encoders:
        raw = load_encoder(name, settings.models_dir, centred=False)
        centre = mean_query(CachedEncoder(raw, settings.cache_dir / "embeddings"), texts)
        write_centre(settings.models_dir, name, raw.model_id, centre, source, len(texts))
        log.info("centre of %s from %d %s texts", name, len(texts), source)


def load_fusion(settings: Settings, folder: Path | None = None) -> Fusion:
    """The fitted fusion in `folder` (default: the settings' `models/fusion`)."""
    return Fusion.load(folder or settings.fusion_dir, feature_names(settings.encoders))


def open_catalogue(
    projects: Sequence[Project],
    resources: Sequence[Resource],
    settings: Settings | None = None,
    fusion: Fusion | None = None,
    progress: Progress | None = None,
    coverage: bool = DEFAULT_COVERAGE,
    encoders: Mapping[str, Encoder] | None = None,
) -> Catalogue:
    """An in-memory catalogue of these records, scored: what the command line ranks with."""
    settings = settings or Settings.from_env()
    catalogue = Catalogue(
        encoders or load_encoders(settings),
        fusion or load_fusion(settings),
        coverage=coverage,
        candidates=settings.candidates,
        ann_above=settings.ann_above,
    )
    catalogue.load(projects, resources, progress)
    return catalogue


def all_features(featurizer: PairFeaturizer, progress: Progress | None = None) -> np.ndarray:
    """Every pair's features at once (n_projects, n_resources, n_features): for fitting and evaluation."""
    out = np.empty(
        (len(featurizer.projects), len(featurizer.resources), len(featurizer.names)),
        dtype=np.float32,
    )
    for rows, columns in featurizer.blocks(progress=progress):
        out[rows] = np.stack(columns, axis=-1)
    return out
