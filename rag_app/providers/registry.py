"""A named registry of provider factories: one per kind (embeddings, LLMs, stores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from rag_app.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a provider name to the factory that builds it; `env_var` names the setting."""

    def __init__(self, kind: str, env_var: str) -> None:
        self.kind = kind
        self.env_var = env_var
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator: register `factory` under `name`."""

        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return decorate

    @property
    def names(self) -> list[str]:
        return sorted(self._factories)

    def get(self, name: str) -> Callable[..., T]:
        """The factory for `name`, or a ConfigError listing the valid names."""
        try:
            return self._factories[name]
        except KeyError:
            raise ConfigError(f"unknown {self.env_var} {name!r}: choose one of {', '.join(self.names)}") from None
