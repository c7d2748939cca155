"""A `StoreMap` drawn with plotly: an interactive, self-contained HTML file, or a PNG.

The HTML inlines plotly.js (about 4.7 MB), so it opens offline. Points are coloured by source
(the 23 largest sources get their own colour, the rest share "other sources"); hovering shows
a chunk's source and first words. The query is a black star, its neighbours are ringed and
numbered by rank. 2-D maps are SVG (they draw without WebGL); 3-D maps need WebGL.
The PNG is the same figure rendered by kaleido, which drives an installed Chrome or Chromium.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag_app.errors import ConfigError, RagError, first_line

if TYPE_CHECKING:
    from rag_app.tools.store_map import StoreMap

MAX_COLOURS = 24
OTHER = "other sources"


def figure(store_map: StoreMap) -> Any:
    """The plotly `Figure` of `store_map`: one trace per source, then the neighbours and the query."""
    import plotly.graph_objects as go

    three = store_map.dimensions == 3
    scatter = go.Scatter3d if three else go.Scatter
    named = store_map.sources[: MAX_COLOURS - 1] if len(store_map.sources) > MAX_COLOURS else store_map.sources
    groups: dict[str, list] = {name: [] for name in named}
    for point in store_map.points:
        groups.setdefault(point.source if point.source in named else OTHER, []).append(point)
    fig = go.Figure()
    for name, points in groups.items():
        fig.add_trace(
            scatter(
                name=f"{name} ({len(points)})",
                mode="markers",
                marker={"size": 4 if three else 7, "opacity": 0.8},
                customdata=[[p.source, p.first_words] for p in points],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
                **_axes(p.coords for p in points),
            )
        )
    neighbours = sorted((p for p in store_map.points if p.neighbour), key=lambda p: p.neighbour)
    if neighbours:
        fig.add_trace(
            scatter(
                name=f"top {len(neighbours)} for the query",
                mode="markers+text",
                text=[str(p.neighbour) for p in neighbours],
                textposition="top center",
                marker={"size": 9 if three else 16, "color": "rgba(0,0,0,0)", "line": {"color": "black", "width": 2}},
                customdata=[[p.neighbour, p.source, p.first_words] for p in neighbours],
                hovertemplate="<b>#%{customdata[0]} %{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
                **_axes(p.coords for p in neighbours),
            )
        )
    if store_map.query_coords is not None:
        fig.add_trace(
            scatter(
                name="query",
                mode="markers",
                marker={"size": 10 if three else 18, "color": "black", "symbol": "diamond" if three else "star"},
                customdata=[[store_map.query]],
                hovertemplate="<b>query</b><br>%{customdata[0]}<extra></extra>",
                **_axes([store_map.query_coords]),
            )
        )
    shown = f"{len(store_map.points):,} of {store_map.total:,} chunks"
    fig.update_layout(
        title=f"{shown}, {store_map.method.upper()} of {store_map.model}",
        legend={"title": {"text": "source"}, "itemsizing": "constant"},
        template="plotly_white",
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
    )
    return fig


def _axes(coords: Any) -> dict[str, list[float]]:
    columns = list(zip(*coords))
    return dict(zip(("x", "y", "z"), (list(c) for c in columns)))


def write_html(store_map: StoreMap, path: str | Path) -> Path:
    """Write the interactive map to `path`, plotly.js included (it opens offline).

    Raises:
        RagError: the file cannot be written.
    """
    target = Path(path)
    try:
        figure(store_map).write_html(str(target), include_plotlyjs=True, full_html=True)
    except OSError as err:
        raise RagError(f"cannot write {target}: {first_line(err)}") from err
    return target


def require_plotly() -> None:
    """Raise a one-line ConfigError naming the install line unless plotly (the map's figure) imports.

    Raises:
        ConfigError: the map extra is not installed.
    """
    try:
        import plotly  # noqa: F401
    except ImportError as err:
        raise ConfigError("map needs plotly: pip install 'rag_app[map]'") from err


def require_kaleido() -> None:
    """Raise a one-line ConfigError naming the install line unless kaleido (the PNG renderer) imports.

    Raises:
        ConfigError: the map-png extra is not installed.
    """
    try:
        import kaleido  # noqa: F401
    except ImportError as err:
        raise ConfigError("--png needs kaleido: pip install 'rag_app[map-png]'") from err


def write_png(store_map: StoreMap, path: str | Path, width: int = 1000, height: int = 700) -> Path:
    """Write the map as a PNG image (kaleido renders it with an installed Chrome or Chromium).

    Raises:
        ConfigError: kaleido is not installed.
        RagError: the file cannot be written, or no browser is found.
    """
    require_kaleido()
    target = Path(path)
    try:
        figure(store_map).write_image(str(target), format="png", width=width, height=height)
    except OSError as err:
        raise RagError(f"cannot write {target}: {first_line(err)}") from err
    except Exception as err:  # kaleido and choreographer raise their own types when Chrome is missing
        raise RagError(
            f"cannot render the PNG ({first_line(err)}): --png needs Chrome or Chromium (apt-get install chromium)"
        ) from err
    return target
