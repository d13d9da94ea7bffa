"""One spelling per text: the folding every matcher uses, and "same organisation".

Imports nothing heavy, so regex-only modules (concepts, prose) load fast.
"""

from __future__ import annotations

import re
import unicodedata

_ORG_NOISE = re.compile(r"[\s()（）·.,，、\-]")


def fold(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", str(text)).lower()


def fold_key(value: str) -> str:
    """A spelling to look up in a table: folded, trimmed, without spaces ("AI 医疗" = "ai医疗")."""
    return fold(value).strip().replace(" ", "")


def org_key(name: str) -> str:
    """An organisation's name without spaces, brackets and punctuation, folded."""
    return _ORG_NOISE.sub("", fold(name))


def same_organisation(a: str, b: str) -> bool:
    """True when one folded name contains the other ("京北医科大学" in "京北医科大学附属仁和医院").

    The ranker's own-institution flag and the planner's conflict-of-interest block both use this.
    """
    x, y = org_key(a), org_key(b)
    return len(x) >= 2 and len(y) >= 2 and (x in y or y in x)


class Organisations:
    """Names indexed for `same_organisation` against one name at a time, without a pass over all.

    A name matches when its key contains, or lies inside, the asked name's key. Keys inside
    it are found among the asked key's substrings; keys around it among the names sharing its
    rarest two-character piece. Answers are cached: a catalogue repeats few institutions.
    """

    def __init__(self, names: list[str]) -> None:
        self.keys = [org_key(name) for name in names]
        self._exact: dict[str, list[int]] = {}
        self._pieces: dict[str, list[int]] = {}
        for j, key in enumerate(self.keys):
            if len(key) < 2:
                continue
            self._exact.setdefault(key, []).append(j)
            for piece in {key[i : i + 2] for i in range(len(key) - 1)}:
                self._pieces.setdefault(piece, []).append(j)
        self._answers: dict[str, tuple[int, ...]] = {}

    def same_as(self, name: str) -> tuple[int, ...]:
        """Indices of the names `same_organisation(name, ·)` holds for, ascending."""
        answer = self._answers.get(name)
        if answer is None:
            answer = self._answers[name] = self._find(org_key(name))
        return answer

    def _find(self, key: str) -> tuple[int, ...]:
        if len(key) < 2:
            return ()
        found: set[int] = set()
        for start in range(len(key) - 1):
            for end in range(start + 2, len(key) + 1):
                found.update(self._exact.get(key[start:end], ()))
        pieces = [self._pieces.get(key[i : i + 2], []) for i in range(len(key) - 1)]
        found.update(j for j in min(pieces, key=len) if key in self.keys[j])
        return tuple(sorted(found))
