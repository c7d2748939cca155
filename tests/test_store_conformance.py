"""LangChain's standard VectorStore suite against every store rag_app offers."""

from __future__ import annotations

import itertools

import pytest
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import VectorStoreIntegrationTests

_names = itertools.count()


class TestDeepLakeFolder(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, tmp_path) -> VectorStore:
        from rag_app.stores.deeplake import DeepLakeVectorStore

        return DeepLakeVectorStore(str(tmp_path / "lake"), self.get_embeddings())


class TestDeepLakeMemory(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self) -> VectorStore:
        from rag_app.stores.deeplake import DeepLakeVectorStore

        return DeepLakeVectorStore(f"mem://conformance-{next(_names)}", self.get_embeddings())


def _chroma(settings_env: dict[str, str], embeddings) -> VectorStore:
    from rag_app.config import Settings
    from rag_app.stores.chroma import open_store

    env = {"RAG_COLLECTION": f"conformance-{next(_names)}", **settings_env}
    return open_store(Settings.from_env(env), embeddings)


class TestChromaEmbedded(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, tmp_path) -> VectorStore:
        return _chroma({"RAG_PERSIST_DIR": str(tmp_path)}, self.get_embeddings())


class TestChromaServer(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, chroma_server) -> VectorStore:
        host, port = chroma_server
        store = _chroma({"RAG_CHROMA_HOST": host, "RAG_CHROMA_PORT": str(port)}, self.get_embeddings())
        yield store
        store.delete_collection()


class TestPostgres(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, pgvector_url) -> VectorStore:
        from rag_app.stores.postgres import PostgresStore

        return PostgresStore(pgvector_url, f"conformance-{next(_names)}", self.get_embeddings())
