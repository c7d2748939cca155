"""The JSON of rag_app's results as pydantic models, derived from the dataclasses of `rag_app.results`.

One definition: each model takes the fields, types and field docstrings of its result class,
with only the fields whose JSON differs given here (a list of tuples that `to_dict()` turns into
objects). The HTTP API's response schemas and the MCP tools' output schemas are these models,
so a field added to a result reaches every surface. Imported by the server and the MCP server only.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from typing import Any, get_type_hints

from pydantic import BaseModel, Field, create_model

from rag_app import results


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a class's fields (as pydantic reads them for its own models)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # no source (a frozen build): no descriptions
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for node, after in zip(body, body[1:]):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def json_model(cls: type, name: str | None = None, drop: tuple[str, ...] = (), **types: Any) -> type[BaseModel]:
    """A pydantic model of `cls().to_dict()`: the dataclass's fields, less `drop`, with `types` replacing theirs.

    Args:
        cls: a dataclass of `rag_app.results`.
        name: the model's name (default: the class's).
        drop: fields the JSON leaves out.
        **types: the JSON type of fields whose JSON differs from their Python type; a field not in
            `cls` is added (required).

    Returns:
        The model, with the class's docstring and its fields' docstrings as descriptions.
    """
    hints = get_type_hints(cls, vars(results), include_extras=True)
    docs = field_docs(cls)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.name in drop:
            continue
        if item.default is not dataclasses.MISSING:
            default = item.default
        elif item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        else:
            default = ...
        fields[item.name] = (types.pop(item.name, hints[item.name]), Field(default, description=docs.get(item.name)))
    fields.update({key: (kind, ...) for key, kind in types.items()})
    return create_model(name or cls.__name__, __doc__=inspect.getdoc(cls), **fields)


Source = json_model(results.Source)
SearchResult = json_model(results.SearchResult, results=list[Source])
Answer = json_model(results.Answer, sources=list[Source])
IngestReport = json_model(results.IngestReport, skipped=list[results.Skipped], extracted=list[results.Extracted])
SourceInfo = json_model(results.SourceInfo)
Deleted = json_model(results.Deleted)
Stats = json_model(results.Stats, drop=("collection",))
