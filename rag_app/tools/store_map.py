"""`map`: the stored chunk embeddings projected to 2-D or 3-D, optionally with a query and its neighbours.

A random sample of at most `limit` chunks is read (with their stored vectors: nothing is embedded
again), the vectors are L2-normalised (the stores rank by cosine) and projected with PCA, a
singular value decomposition in numpy (scikit-learn's PCA gives the same axes and costs more to
import than this whole projection), or with UMAP when `umap-learn` is installed
(`pip install 'rag_app[umap]'`). A query is embedded with the configured model, its top-k
neighbours are found in the whole store and added to the sample, and it is projected onto the
same axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError, EmptyStoreError, StoreError, first_line

if TYPE_CHECKING:
    from rag_app.service import RagService

METHODS = ("pca", "umap")
DEFAULT_LIMIT = 5000
HOVER_WORDS = 12


@dataclass(frozen=True)
class MapPoint:
    """One chunk placed on the map; `neighbour` is its rank among the query's top-k (None if not one)."""

    id: str
    source: str
    text: str
    coords: tuple[float, ...]
    neighbour: int | None = None

    @property
    def first_words(self) -> str:
        """The chunk's first words, as the map's hover shows them."""
        words = self.text.split()
        return " ".join(words[:HOVER_WORDS]) + (" …" if len(words) > HOVER_WORDS else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "text": self.first_words,
            "coords": list(self.coords),
            "neighbour": self.neighbour,
        }


@dataclass(frozen=True)
class StoreMap:
    """A projection of (a sample of) the store.

    Attributes:
        points: the chunks shown.
        total: the chunks the store holds.
        method: `pca` or `umap`.
        dimensions: 2 or 3.
        model: the embedding model that made the stored vectors.
        query / query_coords: the query and where it lands (None without one).
        explained: with PCA, the share of the variance each axis holds.
    """

    points: list[MapPoint]
    total: int
    method: str
    dimensions: int
    model: str
    query: str | None = None
    query_coords: tuple[float, ...] | None = None
    explained: list[float] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        """The sources shown, most points first."""
        counts: dict[str, int] = {}
        for point in self.points:
            counts[point.source] = counts.get(point.source, 0) + 1
        return sorted(counts, key=lambda s: (-counts[s], s))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "shown": len(self.points),
            "method": self.method,
            "dimensions": self.dimensions,
            "model": self.model,
            "query": self.query,
            "query_coords": list(self.query_coords) if self.query_coords else None,
            "explained": self.explained,
            "points": [p.to_dict() for p in self.points],
        }


def project(vectors: Any, dimensions: int, method: str = "pca", seed: int = 0) -> tuple[Any, Any, list[float]]:
    """Fit a projection to the rows of `vectors` (normalised first).

    Returns:
        (coordinates of each row, a function projecting further vectors the same way, the share
        of variance per axis (PCA only)).

    Raises:
        ConfigError: an unknown method, too few points, or UMAP without `umap-learn`.
    """
    import numpy as np

    if method not in METHODS:
        raise ConfigError(f"unknown projection method {method!r}: choose one of {', '.join(METHODS)}")
    data = _unit(np.asarray(vectors, dtype=np.float64))
    if len(data) < 2:
        raise ConfigError(f"a map needs at least 2 chunks; the sample has {len(data)}")
    if method == "umap":
        return _umap(data, dimensions, seed)
    mean = data.mean(axis=0)
    _, singular, axes = np.linalg.svd(data - mean, full_matrices=False)
    axes = axes[:dimensions]
    if len(axes) < dimensions:  # fewer distinct points than axes: pad with zeros
        axes = np.vstack([axes, np.zeros((dimensions - len(axes), data.shape[1]))])
    variance = singular**2
    explained = [round(float(v), 4) for v in (variance / variance.sum())[:dimensions]] if variance.sum() else []
    return (data - mean) @ axes.T, lambda more: (_unit(np.asarray(more, dtype=np.float64)) - mean) @ axes.T, explained


def _unit(array: Any) -> Any:
    import numpy as np

    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.divide(array, norms, out=np.zeros_like(array), where=norms > 0)


def _umap(data: Any, dimensions: int, seed: int) -> tuple[Any, Any, list[float]]:
    try:
        import umap
    except ImportError as err:
        raise ConfigError(
            "--method umap needs umap-learn: pip install 'rag_app[umap]' (numba and llvmlite, about 64 MB)"
        ) from err
    reducer = umap.UMAP(n_components=dimensions, metric="cosine", random_state=seed, n_neighbors=min(15, len(data) - 1))
    coords = reducer.fit_transform(data)
    return coords, lambda more: reducer.transform(_unit(more)), []


def store_map(
    service: RagService,
    dimensions: int = 2,
    limit: int = DEFAULT_LIMIT,
    method: str = "pca",
    query: str | None = None,
    k: int = 5,
    seed: int = 0,
) -> StoreMap:
    """The store's chunks (a random sample of at most `limit`) projected to `dimensions` axes.

    Args:
        service: whose store and embedding model.
        dimensions: 2 or 3.
        limit: the most chunks read and shown (the query's neighbours come on top).
        method: `pca` (default) or `umap`.
        query: a text to place on the map with its `k` nearest chunks (from the whole store) marked.
        k: how many neighbours of the query.
        seed: the sample's and UMAP's random seed (same seed, same map).

    Raises:
        ConfigError: dimensions not 2 or 3, limit or k < 1, an unknown method, an empty query.
        EmptyStoreError: nothing is ingested yet.
        StoreError: the store failed.
        ProviderError: the embedding model failed (with a query only).
    """
    import numpy as np

    from rag_app import stores
    from rag_app.stores.state import read_state

    if dimensions not in (2, 3):
        raise ConfigError(f"a map has 2 or 3 dimensions, not {dimensions}")
    if limit < 1:
        raise ConfigError(f"--limit must be at least 1, not {limit}")
    if k < 1:
        raise ConfigError(f"k must be at least 1, not {k}")
    if method not in METHODS:
        raise ConfigError(f"unknown projection method {method!r}: choose one of {', '.join(METHODS)}")
    catalog = stores.catalog(service.settings)
    recorded = catalog.model()
    if query is not None:
        catalog.check_model(_model(service))  # a query embedded by another model lands anywhere
    if read_state(service.settings).chunks == 0:  # a count: opening would create an empty collection
        raise EmptyStoreError(f"nothing ingested yet in {stores.location(service.settings)}")
    store = _open(service)
    try:
        sample = store.sample(limit, seed)
    except Exception as err:  # each store raises its own types
        raise StoreError(f"cannot read the stored vectors: {first_line(err)}") from err
    if sample.total == 0:
        raise EmptyStoreError(f"nothing ingested yet in {stores.location(service.settings)}")
    ids, texts, metas, vectors = list(sample.ids), list(sample.texts), list(sample.metadatas), sample.vectors
    query_vector = service.embed([query])[0] if query is not None else None
    neighbours: dict[str, int] = {}
    if query_vector is not None:
        found = store.search_by_vector(query_vector, min(k, sample.total))
        neighbours = {doc.id: rank for rank, (doc, _) in enumerate(found, start=1) if doc.id}
        shown = set(ids)
        missing = [doc for doc, _ in found if doc.id and doc.id not in shown]
        extra = store.stored_vectors([doc.id for doc in missing])
        for doc in missing:
            if doc.id in extra:
                ids.append(doc.id)
                texts.append(doc.page_content)
                metas.append(doc.metadata)
                vectors = np.vstack([vectors, np.asarray(extra[doc.id], dtype=vectors.dtype)[None, :]])
    coords, transform, explained = project(vectors, dimensions, method, seed)
    points = [
        MapPoint(i, str(m.get("source", "?")), t, tuple(round(float(c), 5) for c in xyz), neighbours.get(i))
        for i, t, m, xyz in zip(ids, texts, metas, coords)
    ]
    query_coords = None
    if query_vector is not None:
        query_coords = tuple(round(float(c), 5) for c in transform(np.asarray([query_vector]))[0])
    model = recorded[0] if recorded else _model(service)
    return StoreMap(points, sample.total, method, dimensions, model, query, query_coords, explained)


def _open(service: RagService) -> Any:
    """The configured store, opened for reading (stored vectors and searches by vector need no model)."""
    from rag_app import stores

    try:
        return stores.open_vectorstore(service.settings, None)
    except StoreError:
        raise
    except Exception as err:
        raise StoreError(f"cannot open the store: {first_line(err)}") from err


def _model(service: RagService) -> str:
    from rag_app.providers.registry import model_name

    return model_name(service.settings)
