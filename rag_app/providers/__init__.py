"""Providers: embedding models and LLMs, described once and looked up by name."""
