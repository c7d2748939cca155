"""RagService: rag_app's one API. The CLI, the server, the REPL and the MCP server call it.

One instance is safe to share across threads. It opens the store, the model and the retriever
once, and opens them again when the store's catalog shows that an ingest (in this process or
another) has changed what is stored. It never prints and never changes process-wide state.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from rag_app import stores
from rag_app.answering.kinds import answer_span
from rag_app.config import Settings
from rag_app.errors import ConfigError, EmptyStoreError, RagError
from rag_app.inputs import MAX_K, checked_history, checked_name, checked_text
from rag_app.results import Answer, Deleted, IngestReport, SearchResult, Source, SourceInfo, Stats, source_names
from rag_app.stores.filters import Filter
from rag_app.stores.state import disagreement, read_state, store_stats

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from rag_app.answering.chain import QA
    from rag_app.answering.conversation import Turn
    from rag_app.doctor import Check


class RagService:
    """Ingest documents, then search and ask them.

    Args:
        settings: the settings to use; by default read from the environment and `.env`.

    Raises:
        ConfigError: (default settings only) a variable has an invalid value.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._lock = threading.Lock()
        self._qa: QA | None = None
        self._generation: tuple | None = None
        self._chunks = 0
        self._identity: str | None = None
        self._embeddings: Embeddings | None = None

    @property
    def store_name(self) -> str:
        """The configured store for people: `chroma at /path/.rag_app/chroma` (touches nothing)."""
        return f"{self.settings.vector_store} at {stores.location(self.settings)}"

    # -- questions -------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None, filter: Filter | None = None) -> SearchResult:
        """The `k` chunks most relevant to `query`, best first.

        Args:
            query: what to look for.
            k: chunks to return (default RAG_TOP_K).
            filter: only chunks of the sources it names and with its metadata (`Filter.parse`).

        Raises:
            ConfigError: an empty or over-long query, or k < 1.
            EmptyStoreError: nothing is ingested yet.
            StoreError: the store failed.
        """
        query = checked_text(query, "query")
        qa, k = self._open(k)
        docs = qa.retriever_for(k, filter).invoke(query)
        return SearchResult(query, [Source.from_document(i, d) for i, d in enumerate(docs, start=1)])

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Turn] | None = None,
        filter: Filter | None = None,
    ) -> Answer:
        """The answer to `question` from the `k` most relevant chunks, with those chunks as sources.

        Args:
            question: the question.
            k: chunks to retrieve (default RAG_TOP_K).
            history: the conversation so far, (question, answer) pairs, oldest first. With an LLM
                configured, a follow-up ("and when did he retire?") is first rewritten into a
                standalone question (`Answer.standalone_question`), which is then retrieved and
                answered. The extractive answerer answers each question alone.
            filter: answer only from chunks of the sources it names and with its metadata.

        Raises:
            ConfigError: an empty or over-long question, k < 1, or a history that is not pairs of text.
            EmptyStoreError: nothing is ingested yet.
            StoreError: the store failed.
            ProviderError: the embedding model or the LLM failed.
        """
        return self._answer(checked_text(question, "question"), k, [], checked_history(history), filter)

    def stream(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Turn] | None = None,
        filter: Filter | None = None,
    ) -> Iterator[str | Answer]:
        """The answer to `question` as it is generated: text pieces, then the whole `Answer`.

        The pieces joined are the answer, up to surrounding white space (an LLM that streams yields tokens; the extractive
        answerer yields the answer once). The last item is the same `Answer` that `ask` returns.
        Closing the iterator early (or an exception, such as KeyboardInterrupt, while it waits)
        cancels the answer: the LLM stops at its next token.

        Args:
            question, k, history, filter: as for `ask`.

        Raises:
            The same errors as `ask`, from the iteration.
        """
        from rag_app.answering.streaming import stream_run

        question = checked_text(question, "question")
        turns = checked_history(history)
        streamed = False
        with closing(stream_run(lambda callbacks: self._answer(question, k, callbacks, turns, filter))) as pieces:
            for piece in pieces:
                if isinstance(piece, Answer) and not streamed:
                    yield piece.answer
                streamed = True
                yield piece

    def _answer(
        self, question: str, k: int | None, callbacks: list[Any], history: list[Turn], filter: Filter | None = None
    ) -> Answer:
        from rag_app.providers.errors import provider_error

        qa, k = self._open(k)
        try:
            standalone = qa.standalone(question, history)
            result = qa.chain_for(k, filter).invoke({"query": standalone or question}, config={"callbacks": callbacks})
        except RagError:  # a StoreError from retrieval, or a ProviderError from the embeddings
            raise
        except Exception as err:
            raise provider_error(err, "LLM", self.settings.llm, self.settings) from err
        docs = result.get("source_documents", [])
        sources = [Source.from_document(i, d) for i, d in enumerate(docs, start=1)]
        text = str(result["result"]).strip()
        span = answer_span(standalone or question, text)
        return Answer(question, text, sources, standalone_question=standalone, answer_span=span)

    def _open(self, k: int | None) -> tuple[QA, int]:
        """The QA for the store as it is now (reopened after any ingest), and the effective k."""
        k = self.settings.top_k if k is None else k
        if k < 1:
            raise ConfigError(f"k must be at least 1, not {k}")
        catalog = stores.catalog(self.settings)
        # A store deleted or replaced under a long-running service (the server) is reopened, not read from memory.
        generation = (catalog.generation(), _fingerprint(self.settings))
        with self._lock:
            if self._qa is not None and self._same_store(generation):
                self._generation = generation
            if self._qa is None or generation != self._generation:
                self._prefetch_embeddings()
                from rag_app.answering.chain import QA
                from rag_app.providers.registry import model_name

                state = read_state(self.settings)  # reaches the store first: "cannot reach" beats "empty"
                if state.chunks == 0:
                    where = stores.location(self.settings)
                    problem = disagreement(catalog, state)
                    raise EmptyStoreError(f"{where}: {problem}" if problem else f"nothing ingested yet in {where}")
                catalog.check_model(model_name(self.settings))
                self._qa = QA(self.settings, fresh=self._qa is not None, embeddings=self._embeddings)
                self._embeddings = self._qa.embeddings  # one model for answering and for embed()
                self._generation, self._chunks, self._identity = generation, state.chunks, state.identity
            return self._qa, min(k, self._chunks, MAX_K)

    def _same_store(self, generation: tuple) -> bool:
        """Whether only the store folder's change time moved (the store writing its own files, as
        Chroma does while it answers) and the store there is still the one the QA was opened on."""
        (catalog_now, folder_now), (catalog_then, folder_then) = generation, self._generation
        if generation == self._generation or catalog_now != catalog_then or not folder_now or not folder_then:
            return False
        return folder_now[:2] == folder_then[:2] and read_state(self.settings).identity == self._identity

    def _prefetch_embeddings(self) -> None:
        """Make the embedding model and let it load in the background while the store opens.
        A provider that cannot be made is left for QA to make again, so errors keep their order."""
        if self._embeddings is None:
            from rag_app.providers.embeddings import make_embeddings

            try:
                self._embeddings = make_embeddings(self.settings)
            except RagError:
                return
        prefetch = getattr(self._embeddings, "prefetch", None)
        if prefetch is not None:
            prefetch()

    # -- the embedding model -----------------------------------------------------------------

    @property
    def embeddings(self) -> Embeddings:
        """The configured embedding model (a LangChain `Embeddings`), loaded on first use.

        Raises:
            ConfigError: an unknown provider or a missing key.
            ProviderError: the model cannot be loaded.
        """
        with self._lock:
            if self._embeddings is None:
                from rag_app.providers.embeddings import make_embeddings

                self._embeddings = make_embeddings(self.settings)
            return self._embeddings

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The configured model's vector of each text, as chunks are embedded when ingested.

        Raises:
            ConfigError: no texts, or an empty or over-long one.
            ProviderError: the embedding model failed.
        """
        if isinstance(texts, str) or not texts:
            raise ConfigError("give a list of one or more texts to embed")
        return self.embeddings.embed_documents([checked_text(t, "text") for t in texts])

    # -- the store ---------------------------------------------------------------------------

    def ingest(
        self,
        paths: list[str | os.PathLike[str]],
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
        roots: Sequence[str | os.PathLike[str]] | None = None,
        verify: bool = False,
    ) -> IngestReport:
        """Load, split, embed and store files and folders; unchanged files are not embedded again,
        and a file with the size and modification time it had when stored is not even read.

        Args:
            paths: files or folders (searched recursively).
            dry_run: count what would change, write nothing.
            progress: called as files finish, with how many files finished and how many chunks they gave.
            on_start: called once with the number of files found.
            include: glob patterns; when given, only matching files are read (`*.pdf`, `guides/**`).
            exclude: glob patterns of files to leave out.
            roots: when given, only files whose real path (links followed) is inside one of these
                folders are read; a link out of them is skipped with a reason, never followed.
            verify: read and hash every file, whatever its size and modification time.

        Raises:
            RagError: a path does not exist or holds no supported file.
            BusyError: another ingest is writing to this store.
            StoreError / ProviderError: the store or the embedding model failed.
        """
        from rag_app.ingestion.pipeline import ingest

        return ingest(
            [str(p) for p in paths],
            self.settings,
            progress=progress,
            on_start=on_start,
            dry_run=dry_run,
            include=include,
            exclude=exclude,
            roots=None if roots is None else [Path(r).expanduser().resolve() for r in roots],
            verify=verify,
            embeddings=lambda: self.embeddings,
        )

    def ingest_text(self, name: str, text: str) -> IngestReport:
        """Store `text` as a document called `name` (an upload), replacing one of the same name.

        The text is kept in `RAG_PERSIST_DIR/uploads/NAME`, so it can be re-ingested and deleted
        like any file. `name` is reduced to a plain file name: no folders, no `..`.

        Raises:
            ConfigError: the name is empty once sanitised, or its type is not supported.
        """
        return self.ingest_files([(name, text.encode("utf-8"))])

    def ingest_files(self, files: list[tuple[str, bytes | BinaryIO]]) -> IngestReport:
        """Store uploaded files in `RAG_PERSIST_DIR/uploads` and ingest them, as one ingest.

        Each name is reduced to a plain file name (no folders, no `..`); a file of the same name
        is replaced. The store's write lock is taken before anything is written, so while another
        ingest runs nothing is written at all. New files that the ingest skips (empty, unreadable)
        or that a failed ingest leaves behind are removed again.

        Args:
            files: (name, content) pairs; content is bytes or a binary file object, read to its end.

        Returns:
            The ingest report (skipped files listed with their reasons).

        Raises:
            ConfigError: no files; a name unusable once sanitised; a type no loader reads; two files of one name.
            BusyError: another ingest is writing to this store.
            StoreError / ProviderError: the uploads folder, the store or the embedding model failed.
        """
        from rag_app.ingestion.uploads import checked_names, orphans, saved

        named = checked_names(files)
        catalog = stores.catalog(self.settings)
        with catalog.writing():
            # Uploads an earlier process saved but was killed before storing are stored now (or,
            # when they cannot be read, removed), so none stays in the folder unlisted.
            left = orphans(self._uploads(), set(catalog.groups()), self.settings.source_root)
            left = [path for path in left if path.name not in named]
            with saved(self._uploads(), named) as (targets, reports):
                reports.append(self.ingest(targets + left))
            skipped = {path for path, _ in reports[0].skipped}
            for path in left:
                if str(path) in skipped:
                    path.unlink(missing_ok=True)
        return reports[0]

    def delete(self, source: str) -> Deleted:
        """Remove every chunk of one ingested file, named by path or by its source name.

        An uploaded file's copy in `RAG_PERSIST_DIR/uploads` is removed as well; other files are never touched.

        Raises:
            ConfigError: `source` holds a NUL character.
            NotFoundError: no ingested file (or more than one) matches `source`.
            BusyError: an ingest is writing to this store.
        """
        from rag_app.ingestion.identity import local_path
        from rag_app.ingestion.pipeline import delete_source

        checked_name(source, "source")

        from rag_app.errors import NotFoundError
        from rag_app.ingestion.uploads import orphans

        catalog = stores.catalog(self.settings)
        with catalog.writing():
            try:
                path, removed = delete_source(self.settings, source)
            except NotFoundError:  # an upload saved but never stored is deleted by its name too
                left = orphans(self._uploads(), set(catalog.groups()), self.settings.source_root)
                match = [p for p in left if p.name == Path(source).name]
                if not match:
                    raise
                match[0].unlink(missing_ok=True)
                return Deleted(match[0].name, 0)
            here = local_path(path, self.settings.source_root)
            if here.parent == self._uploads():  # rag_app's own copy of an upload goes too
                here.unlink(missing_ok=True)
        return Deleted(path, removed)

    def reset(self) -> int:
        """Empty the store and its catalog; returns how many chunks it held.

        Raises:
            BusyError: an ingest is writing to this store.
        """
        from rag_app.ingestion.pipeline import reset

        return reset(self.settings)

    def _uploads(self) -> Path:
        from rag_app.ingestion.uploads import UPLOADS

        return (self.settings.persist_dir / UPLOADS).resolve()

    def sources(self) -> list[SourceInfo]:
        """The ingested files with their chunk counts and characters of text, by path."""
        from rag_app.ingestion.identity import source_key

        catalog = stores.catalog(self.settings)
        counts, extracted = catalog.group_counts(), catalog.extracted()
        recorded = {path for path, _ in counts}
        unstored = [  # saved by an upload whose process was killed: listed with no chunks until stored
            source_key(path, self.settings.source_root)
            for path in self._uploads().glob("*")
            if path.is_file() and not path.name.startswith(".")
        ]
        counts = counts + [(path, 0) for path in sorted(set(unstored) - recorded)]
        names = source_names([path for path, _ in counts], {p: name for p, (name, *_) in extracted.items() if name})
        return [
            SourceInfo(names[path], path, chunks, extracted[path][1] if path in extracted else None)
            for path, chunks in counts
        ]

    def stats(self) -> Stats:
        """What the store holds (counted by the store), its catalog's view, and the embedding model.

        Raises:
            StoreError: the store cannot be reached or read.
        """
        return store_stats(self.settings)

    def doctor(self) -> Iterator[Check]:
        """Live checks: the embedding model, the answerer and the store each answer."""
        from rag_app.doctor import run_checks

        return run_checks(self.settings)


def _fingerprint(settings: Settings) -> tuple[int, int, int] | None:
    """(device, inode, change time) of a store kept in a local folder: others mean the folder was
    deleted or replaced (the change time tells a new folder that reuses a freed inode), or files
    were added to it. None for a store on a server (its identity is checked when it is opened)."""
    where = stores.location(settings)
    if "://" in where:
        return None
    try:
        found = os.stat(where)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_ctime_ns
