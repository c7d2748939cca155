"""Ingestion: find and load files, split them, and write chunks to a store incrementally."""
