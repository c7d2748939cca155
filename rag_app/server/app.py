"""The FastAPI app: rag_app's API, the OpenAI-compatible API, the web page and offline API docs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from rag_app import __version__
from rag_app.server import documents, errors, openai_api, questions
from rag_app.server.guard import Guard, GuardMiddleware
from rag_app.service import RagService

STATIC = Path(__file__).parent / "static"
JSON_LIMIT = 4 * 2**20  # bytes of a JSON request body: questions, chat messages, texts to embed
FORM_OVERHEAD = 2**20  # multipart boundaries and headers on top of the files themselves


def create_app(service: RagService | None = None, host: str = "127.0.0.1", port: int | None = None) -> FastAPI:
    """The app serving `service` (by default one built from the environment and `.env`).

    Args:
        service: the RagService every route calls.
        host: the address the app listens on: requests addressed to other names, and requests
            from pages of other sites, are refused (see `guard`).
        port: the port it listens on (None: any).

    Returns:
        The ASGI app (run it with uvicorn, or test it with Starlette's TestClient).

    Raises:
        ConfigError: RAG_ALLOWED_ORIGINS is malformed.
    """
    service = service or RagService()
    settings = service.settings
    guard = Guard.for_bind(host, port, bool(settings.api_key.get_secret_value()), settings.allowed_origins)
    # FastAPIOffline: the /docs page (Swagger UI) from files shipped in a package, not from a CDN.
    app = FastAPIOffline(
        title="rag_app",
        version=__version__,
        description="Ask questions about your own documents. OpenAI clients can use `/v1/chat/completions` "
        "(model `rag_app`), `/v1/embeddings` and `/v1/models`. With RAG_API_KEY set, every `/v1` route "
        "needs `Authorization: Bearer KEY`.",
        redoc_url=None,
    )
    app.state.service = service
    errors.install(app)
    app.add_middleware(GuardMiddleware, guard=guard)  # outermost: a refused request reaches nothing
    # Body limits per router (inside the middleware that gives their 413 the JSON error shape).
    app.include_router(questions.public)
    app.include_router(questions.router, max_body_size=JSON_LIMIT)
    upload_limit = settings.max_upload_files * settings.max_file_mb * 2**20 + FORM_OVERHEAD
    app.include_router(documents.router, max_body_size=upload_limit)
    app.include_router(openai_api.router, max_body_size=JSON_LIMIT)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> HTMLResponse:
        # The file picker offers every type a loader reads (rag_app.ingestion.loaders.SUPPORTED), not a copy.
        from rag_app.ingestion.loaders import SUPPORTED

        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace('accept="*"', f'accept="{",".join(sorted(SUPPORTED))}"', 1))

    return app
