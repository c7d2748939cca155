"""Source code: read as text and marked with its language, so the splitter cuts it at classes and
functions with LangChain's language-aware separators (RecursiveCharacterTextSplitter.from_language)."""

from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

LANGUAGES = {
    ".py": "python",
    ".js": "js",
    ".mjs": "js",
    ".jsx": "js",
    ".ts": "ts",
    ".tsx": "ts",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".scala": "scala",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".lua": "lua",
    ".pl": "perl",
    ".r": "r",
}  # fmt: skip  (.sh and .bash have no LangChain separators: they split as plain text)


def load_code(path: Path, source: str, depth: int) -> list[Document]:
    """A source file as one document, with `language` for the splitter when LangChain knows it."""
    from rag_app.ingestion.loaders import _decode

    language = LANGUAGES.get(path.suffix.lower())
    metadata = {"source": source, **({"language": language} if language else {})}
    return [Document(page_content=_decode(path.read_bytes()), metadata=metadata)]
