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
