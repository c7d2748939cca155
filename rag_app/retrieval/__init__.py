"""Retrieval: rank stored chunks for a query (vector, keyword, fused)."""
