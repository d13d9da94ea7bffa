"""Needs and offers read from prose, against the hand-labelled texts (`matcher.extraction`):
precision, recall and F1 per side, on the part the cues were revised on and the held-out part.

    .venv/bin/python bench/bench_needs.py

"whole text" is the plain baseline: the same cues over every clause, asked for or not.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher import concepts, extraction


def main() -> None:
    labelled = extraction.need_labels()
    readers = {
        "shipped": None,
        "whole text": lambda item: concepts.keys(item.text, concepts.NEED_CUES),
    }
    print("| reader | side | part | texts | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|")
    for name, reader in readers.items():
        for side in ("project", "provider"):
            for part in ("tune", "held-out"):
                items = [i for i in labelled if i.side == side and i.part == part]
                s = extraction.score(items, reader) if reader else extraction.score(items)
                print(
                    f"| {name} | {side} | {part} | {len(items)} | {s.precision:.3f} "
                    f"| {s.recall:.3f} | {s.f1:.3f} |"
                )


if __name__ == "__main__":
    main()
