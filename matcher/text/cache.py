"""On-disk embedding cache: a re-run encodes only text it has not seen with that model.

One SQLite file per model under ``cache_dir``; rows are keyed by sha256 of the prompt kind and
the exact text, values are float32 bytes. SQLite commits atomically; an unreadable or corrupt
file is moved aside and the cache starts empty rather than failing the caller.

Several processes may share the file (the Ray workers, the service, other runs). The first vector
stored for a text wins and every process reads that one back, so all of them rank with identical
vectors even where an encoder's output depends on what else was in its batch. A file that stays
locked by another writer is not damage: that call goes without the cache and the file is kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from matcher.text.encoders import Encoder

logger = logging.getLogger(__name__)

_SQL_CHUNK = 500  # stay well under SQLite's bound-parameter limit
_BUSY = re.compile(r"locked|busy", re.IGNORECASE)


def text_key(kind: str, text: str) -> bytes:
    """Cache key of one text as encoded for ``kind`` ('query' or 'passage')."""
    return hashlib.sha256(f"{kind}\x00{text}".encode()).digest()


class _Store:
    """Key → vector rows for one model in one SQLite file."""

    def __init__(self, path: Path, model_id: str, dim: int, timeout: float = 30.0) -> None:
        self.path, self.model_id, self.dim, self.timeout = path, model_id, dim, timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=self.timeout)
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
                conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB)")
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('model_id', ?)", (self.model_id,))
                conn.commit()
                (stored,) = conn.execute("SELECT v FROM meta WHERE k = 'model_id'").fetchone()
            except BaseException:
                conn.close()
                raise
            if stored != self.model_id:
                conn.close()
                raise sqlite3.DatabaseError(f"cache file belongs to model {stored!r}")
            self._conn = conn
        return self._conn

    def _failed(self, error: sqlite3.DatabaseError) -> None:
        """Another process holding the lock is not damage; anything else moves the file aside."""
        if isinstance(error, sqlite3.OperationalError) and _BUSY.search(str(error)):
            logger.warning(
                "embedding cache %s busy (%s); going without it this time", self.path, error
            )
        else:
            self._reset(error)

    def _reset(self, error: Exception) -> None:
        """Move an unusable file aside so the next call starts a fresh one."""
        logger.warning("embedding cache %s unusable (%s); starting a new one", self.path, error)
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.path.exists():
            self.path.rename(self.path.with_name(f"{self.path.name}.corrupt-{time.time_ns()}"))
        for suffix in ("-journal", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

    def get(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Vectors found for ``keys``; rows of the wrong size count as missing."""
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            try:
                conn = self._open()
                for start in range(0, len(keys), _SQL_CHUNK):
                    chunk = keys[start : start + _SQL_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
                    )
                    for key, blob in rows:
                        if isinstance(blob, bytes) and len(blob) == 4 * self.dim:
                            found[key] = np.frombuffer(blob, dtype=np.float32)
            except sqlite3.DatabaseError as error:
                self._failed(error)
                return {}
        return found

    def put(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Store rows in one transaction, keeping a well-sized row already there (first writer
        wins); a failure is logged, never raised."""
        rows = [(key, np.ascontiguousarray(vec, dtype=np.float32).tobytes()) for key, vec in items]
        with self._lock:
            try:
                conn = self._open()
                with conn:
                    conn.executemany(
                        "INSERT INTO vectors VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                        "SET vec = excluded.vec WHERE length(vectors.vec) != ?",
                        [(key, blob, 4 * self.dim) for key, blob in rows],
                    )
            except sqlite3.DatabaseError as error:
                self._failed(error)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class CachedEncoder:
    """An :class:`~matcher.text.encoders.Encoder` that remembers what it has encoded.

    >>> enc = CachedEncoder(load_encoder("e5-small"), Path("cache/embeddings"))  # doctest: +SKIP
    >>> enc.encode_passages(texts)  # encodes; a second call reads from disk     # doctest: +SKIP
    """

    def __init__(self, encoder: Encoder, cache_dir: Path) -> None:
        self.encoder = encoder
        self.model_id = encoder.model_id
        self.dim = encoder.dim
        safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder.model_id)
        self._store = _Store(Path(cache_dir) / f"{safe_name}.sqlite", encoder.model_id, encoder.dim)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like the wrapped encoder's, encoding only texts not cached yet."""
        return self._encode(texts, "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Like the wrapped encoder's, encoding only texts not cached yet."""
        return self._encode(texts, "passage")

    def cached(self, texts: Sequence[str], kind: str = "query") -> list[bool]:
        """Which of `texts` have a vector in the cache already (nothing is encoded)."""
        keys = [text_key(kind, t) for t in texts]
        found = self._store.get(list(dict.fromkeys(keys)))
        return [key in found for key in keys]

    def close(self) -> None:
        """Close the cache file (reopened on next use)."""
        self._store.close()

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        keys = [text_key(kind, t) for t in texts]
        found = self._store.get(list(dict.fromkeys(keys)))
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            fn = self.encoder.encode_queries if kind == "query" else self.encoder.encode_passages
            fresh = np.asarray(fn(list(missing.values())), dtype=np.float32)
            new = dict(zip(missing, fresh, strict=True))
            self._store.put(new.items())
            new.update(self._store.get(list(new)))  # another process's vector, if it came first
            found.update(new)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out
