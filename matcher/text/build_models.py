"""Build every encoder folder under the models directory: ``python -m matcher.text.build_models``."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from matcher.text.encoders import ENCODERS, build_models, models_dir

logger = logging.getLogger("matcher.text.build_models")


def main(argv: list[str] | None = None) -> int:
    """Build (or confirm) each encoder folder and log what was done."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--models-dir", type=Path, default=None, help="default: $MATCHER_MODELS_DIR or ./models"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    parser.add_argument("names", nargs="*", choices=[[], *ENCODERS], help="encoders (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    target = args.models_dir or models_dir()
    started = time.perf_counter()
    built = build_models(target, progress=logger.info, names=args.names or None, force=args.force)
    logger.info(
        "models in %s: %s (%.1f s)",
        target,
        ", ".join(f"{name} {'built' if done else 'current'}" for name, done in built.items()),
        time.perf_counter() - started,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
