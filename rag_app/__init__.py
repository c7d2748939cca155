"""rag_app: ask questions about your own documents, with sources. Offline by default."""

__version__ = "0.1.0"
