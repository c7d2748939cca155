"""Evaluation: retrieval and answer metrics on SQuAD-style question sets."""
