from pathlib import Path

import pytest

from rag_app.config import Settings, find_dotenv_file
from rag_app.errors import ConfigError


def test_defaults_need_no_key():
    s = Settings.from_env({})
    assert (s.vector_store, s.embeddings, s.llm) == ("chroma", "huggingface", "extractive")
    assert (s.chunk_size, s.chunk_overlap, s.top_k) == (1500, 300, 5)


def test_store_folder_is_here_when_it_exists_else_per_user(workdir, monkeypatch):
    assert Settings.from_env({}).persist_dir == Path(".rag_app")
    (workdir / ".rag_app").rmdir()
    assert Settings.from_env({}).persist_dir == workdir / "user-data" / "rag_app"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(workdir / "home"))
    assert Settings.from_env({}).persist_dir == workdir / "home" / ".local" / "share" / "rag_app"
    assert Settings.from_env({"RAG_PERSIST_DIR": "~/kb"}).persist_dir == workdir / "home" / "kb"


def test_deeplake_is_chosen_by_its_path():
    assert Settings.from_env({"DEEPLAKE_DATASET_PATH": "mem://x"}).vector_store == "deeplake"
    assert (
        Settings.from_env({"DEEPLAKE_DATASET_PATH": "mem://x", "RAG_VECTOR_STORE": "chroma"}).vector_store == "chroma"
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"RAG_CHUNK_SIZE": "100", "RAG_CHUNK_OVERLAP": "100"}, "must be smaller than RAG_CHUNK_SIZE"),
        ({"RAG_TOP_K": "0"}, "RAG_TOP_K=0 must be at least 1"),
        ({"RAG_TOP_K": "many"}, "not a whole number"),
        ({"RAG_VECTOR_STORE": "pinecone"}, "unknown RAG_VECTOR_STORE 'pinecone'"),
        ({"RAG_CHROMA_SSL": "maybe"}, "not a boolean"),
        ({"RAG_MIN_SCORE": "high"}, "not a number"),
        ({"RAG_VECTOR_STORE": "deeplake"}, "needs DEEPLAKE_DATASET_PATH"),
        ({"RAG_CHROMA_HEADERS": "no-colon"}, "RAG_CHROMA_HEADERS"),
    ],
)
def test_bad_values_are_one_line_errors(env, message):
    with pytest.raises(ConfigError, match=message) as err:
        Settings.from_env(env)
    assert "\n" not in str(err.value)


def test_secrets_are_not_in_repr():
    s = Settings.from_env({"OPENAI_API_KEY": "sk-secret-value", "RAG_CHROMA_HEADERS": "Authorization: Bearer hdr-7f3a"})
    for shown in (repr(s), str(s), repr(s.openai_api_key), str(s.openai_api_key)):
        assert "sk-secret-value" not in shown and "hdr-7f3a" not in shown
    assert s.chroma_headers == {"Authorization": "Bearer hdr-7f3a"}
    assert s.openai_api_key.get_secret_value() == "sk-secret-value"


def test_dotenv_loads_but_real_environment_wins(workdir, monkeypatch):
    (workdir / ".env").write_text("RAG_TOP_K=7\nRAG_CHUNK_SIZE=500\n")
    monkeypatch.setenv("RAG_CHUNK_SIZE", "600")
    monkeypatch.delenv("RAG_TOP_K", raising=False)
    s = Settings.from_env()
    assert (s.top_k, s.chunk_size) == (7, 600)


def test_dotenv_syntax_error_names_file_and_line(workdir):
    (workdir / ".env").write_text("RAG_TOP_K=3\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"\.env: .*line 2"):
        find_dotenv_file()


def test_env_example_documents_every_variable():
    import re

    from tests.conftest import REPO

    read = set(
        re.findall(
            r'"((?:RAG|OPENAI|COHERE|OLLAMA|DEEPLAKE|ACTIVELOOP)_[A-Z_]+)"',
            (REPO / "rag_app" / "config.py").read_text(),
        )
    )
    documented = set(re.findall(r"^# ([A-Z_]+)=", (REPO / ".env.example").read_text(), re.M))
    assert read and read <= documented, sorted(read - documented)


def test_replace_checks_again_and_keeps_what_was_given():
    s = Settings.from_env({"RAG_TOP_K": "3"})
    changed = s.replace(chunk_size=400, chunk_overlap=0)
    assert (changed.top_k, changed.chunk_size, changed.given) == (3, 400, {"top_k", "chunk_size", "chunk_overlap"})
    assert s.chunk_size == 1500  # the original is unchanged
    with pytest.raises(ConfigError, match="must be smaller than RAG_CHUNK_SIZE"):
        s.replace(chunk_size=100)
    with pytest.raises(AttributeError):
        s.top_k = 4


def test_values_by_name_or_variable_override_the_environment(workdir, monkeypatch):
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_CHUNK_SIZE", "900")
    s = Settings(RAG_TOP_K="2", chunk_overlap=0)
    assert (s.top_k, s.chunk_size, s.chunk_overlap) == (2, 900, 0)
    with pytest.raises(TypeError, match="chunk_sise"):
        Settings(chunk_sise=3)
