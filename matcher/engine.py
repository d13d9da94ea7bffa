"""Assembles rankers from records and the built models: the library's front door."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import evaluate
from .features import PairFeaturizer, Progress, feature_names
from .fusion import FittedFusion
from .rank import Fusion, Ranker
from .schema import Project, Resource
from .settings import DEFAULT_ENCODERS as DEFAULT_ENCODERS  # re-exported: callers import it here
from .settings import Settings
from .text.encoders import Encoder

if TYPE_CHECKING:
    from .plan import MatchScores

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


def load_fusion(settings: Settings) -> FittedFusion:
    return FittedFusion.load(settings.fusion_dir, feature_names(settings.encoders))


def build_ranker(
    projects: Sequence[Project],
    resources: Sequence[Resource],
    settings: Settings | None = None,
    fusion: Fusion | None = None,
    progress: Progress | None = None,
) -> Ranker:
    """A ranker over these records with the built encoders and the fitted fusion."""
    settings = settings or Settings.from_env()
    fusion = fusion or load_fusion(settings)
    featurizer = PairFeaturizer(projects, resources, load_encoders(settings), progress)
    return Ranker(featurizer, fusion).with_progress(progress)


def all_features(featurizer: PairFeaturizer, progress: Progress | None = None) -> np.ndarray:
    """Every pair's features at once (n_projects, n_resources, n_features): for fitting and evaluation."""
    out = np.empty(
        (len(featurizer.projects), len(featurizer.resources), len(featurizer.names)),
        dtype=np.float32,
    )
    for rows, block in featurizer.blocks(progress=progress):
        out[rows] = block
    return out


def fit_fusion(
    projects: Sequence[Project],
    resources: Sequence[Resource],
    qrels: Mapping[str, Mapping[str, int]],
    settings: Settings,
    sources: Sequence[Path] = (),
    kind: str = "gbdt",
    progress: Progress | None = None,
) -> FittedFusion:
    """Fit the fusion on judged projects, cross-validate it, and save it with its provenance."""
    from .fusion import file_digest

    judged = [p for p in projects if p.project_id in qrels]
    featurizer = PairFeaturizer(judged, resources, load_encoders(settings), progress)
    features = all_features(featurizer, progress)
    grades, _ = evaluate.grade_matrix(qrels, judged, resources)
    names = featurizer.names
    oof = evaluate.cross_validated(features, grades, names, kind)
    fusion = FittedFusion(names, kind=kind).fit(features, grades)
    fusion.meta = {
        "trained_on": [str(p) for p in sources],
        "data_sha256": file_digest(*sources) if sources else "",
        "n_projects": len(judged),
        "n_resources": len(resources),
        "encoders": list(settings.encoders),
        "cv_ndcg10": round(evaluate.ndcg_at(oof, grades), 4),
        "cv_recall5": round(evaluate.recall_at(oof, grades), 4),
    }
    fusion.save(settings.fusion_dir)
    log.info(
        "fusion fitted: 5-fold nDCG@10 %.3f on %d projects", fusion.meta["cv_ndcg10"], len(judged)
    )
    return fusion


def match_scores(ranker: Ranker) -> MatchScores:
    """What the event planner needs from a ranker: scores in [0, 1], strong pairs, need coverage."""
    from .plan import MatchScores
    from .schema import NEED

    top = (
        3.0 if ranker.fusion.strong_threshold is not None else max(float(ranker.scores.max()), 1e-9)
    )
    return MatchScores(
        projects=ranker.projects,
        resources=ranker.resources,
        scores=np.clip(ranker.scores / top, 0.0, 1.0),  # fitted fusions predict a grade 0–3
        strong=ranker.strong(),
        serves_need={need: ranker.serves_need(need) for need in NEED.keys},
        reasons=ranker.explain,
    )
