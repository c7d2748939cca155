"""`doctor`: the effective configuration (secrets masked) and a live check of each part."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rag_app.config import VARS, Secret, Settings
from rag_app.errors import RagError


@dataclass(frozen=True)
class Check:
    """One live check: which part, whether it answered, and what it said."""

    name: str
    ok: bool
    detail: str


def effective_settings(settings: Settings) -> dict[str, str]:
    """Every setting as text; secrets show only whether they are set, headers only their names, URLs no password."""
    from rag_app.providers.registry import embedding_provider, llm_provider, redact

    shown = {}
    for name in VARS:
        value = getattr(settings, name)
        if isinstance(value, Secret):
            value = "set (hidden)" if value.get_secret_value() else "not set"
        elif name == "chroma_headers":
            value = ", ".join(f"{header}: ***" for header in value) or "none"
        shown[name] = redact(str(value), settings)  # URLs may hold a password or a key

    for role, spec, model in (
        ("embeddings", embedding_provider(settings.embeddings), settings.embedding_model),
        ("llm", llm_provider(settings.llm), settings.llm_model),
    ):
        default = spec.embedding_model if role == "embeddings" else spec.llm_model
        where = f" at {redact(spec.url(settings), settings)}" if spec.url(settings) else ""
        shown[f"{role} provider"] = f"{spec.label}: {model or default or 'no model'}{where}"
    return shown


def run_checks(settings: Settings) -> Iterator[Check]:
    """Embeddings answer a tiny request, the answerer answers a tiny question, the store opens."""
    from langchain_core.documents import Document

    from rag_app import stores
    from rag_app.answering.answerers import make_answerer
    from rag_app.providers.embeddings import make_embeddings
    from rag_app.providers.errors import provider_error
    from rag_app.providers.registry import model_name

    embeddings = None
    try:
        embeddings = make_embeddings(settings)
        dimension = len(embeddings.embed_query("ping"))
        yield Check("embeddings", True, f"{model_name(settings)} answered ({dimension} dimensions)")
    except RagError as err:
        yield Check("embeddings", False, str(err))

    if embeddings is not None:
        try:
            answerer = make_answerer(settings, embeddings)
            doc = Document(page_content="The sky over the test is blue.", metadata={"source": "doctor"})
            reply = answerer.invoke({"input_documents": [doc], "question": "What colour is the sky over the test?"})
            yield Check("answerer", True, f"{settings.llm} answered: {str(reply['output_text']).strip()[:80]!r}")
        except Exception as err:
            yield Check("answerer", False, str(provider_error(err, "LLM", settings.llm, settings)))

    try:
        catalog = stores.catalog(settings)
        catalog.check_model(model_name(settings))
        if embeddings is not None:
            stores.open_vectorstore(settings, embeddings)
        chunks, sources = catalog.counts()
        where = f"{settings.vector_store} at {stores.location(settings)}"
        yield Check("store", True, f"{where} opens: {chunks} chunks from {sources} sources")
    except RagError as err:
        yield Check("store", False, str(err))
