"""Answering: the RetrievalQA chain and the answerers it combines documents with."""
