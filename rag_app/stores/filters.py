"""Which chunks a question may use: source globs and metadata equalities (`--source`, `--where`).

Source globs are matched against the catalog's recorded files and become a list of paths, so
every backend (and the keyword index) evaluates one plain filter inside the store:
`{"path": {"$in": [...]}, "key": value}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from rag_app.errors import ConfigError
from rag_app.stores.catalog import Catalog
from rag_app.stores.contract import MetadataFilter

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _value(text: str) -> Any:
    """`3` -> 3, `2.5` -> 2.5, `true`/`false` -> bool, anything else stays text."""
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@dataclass(frozen=True)
class Filter:
    """Source globs (any may match) and metadata equalities (all must hold); empty: everything."""

    sources: tuple[str, ...] = ()
    where: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, sources: Sequence[str] = (), where: Sequence[str] | Mapping[str, Any] = ()) -> Filter:
        """A filter from `--source GLOB` values and `key=value` texts (or a mapping of them).

        Raises:
            ConfigError: an empty glob, a `where` without `=`, or a key that is not a plain name.
        """
        if isinstance(where, Mapping):
            pairs = {str(k): (_value(v) if isinstance(v, str) else v) for k, v in where.items()}
        else:
            pairs = {}
            for item in where:
                key, sep, value = item.partition("=")
                if not sep:
                    raise ConfigError(f"--where takes a metadata name, '=' and a value (page=3), not {item!r}")
                pairs[key.strip()] = _value(value.strip())
        for key, value in pairs.items():
            if not _KEY.match(key):
                raise ConfigError(f"a metadata key is a plain name (letters, digits, _), not {key!r}")
            if not isinstance(value, (str, int, float, bool)):
                raise ConfigError(f"the value of {key!r} must be text, a number or true/false")
        globs = tuple(s.strip() for s in sources)
        if any(not g for g in globs):
            raise ConfigError("--source takes a glob such as '*.pdf' or 'handbook/*', not an empty text")
        return cls(globs, pairs)

    def __bool__(self) -> bool:
        return bool(self.sources or self.where)

    def metadata(self, catalog: Catalog) -> MetadataFilter | None:
        """The filter each store evaluates: globs resolved to the recorded files they match
        (a glob matches a file's recorded path, or its end: `*.pdf`, `handbook/*`)."""
        if not self:
            return None
        result: MetadataFilter = dict(self.where)
        if self.sources:
            paths = [
                path
                for path in catalog.groups()
                if any(fnmatchcase(path, glob) or fnmatchcase(path, "*/" + glob) for glob in self.sources)
            ]
            result["path"] = {"$in": paths}
        return result

    def describe(self) -> dict[str, Any]:
        """The filter as the HTTP API and MCP tools spell it."""
        return {"source": list(self.sources), "where": dict(self.where)}
