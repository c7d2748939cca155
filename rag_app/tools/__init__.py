"""The embeddings tutorials' tools as library functions over a `RagService`.

- `similarity`: embed texts, cosine similarity between them, vector arithmetic ("king - man + woman");
- `models_bench`: size, load time, latency and throughput of embedding models;
- `store_map` and `plot`: a 2-D or 3-D projection of the stored chunk embeddings, as plotly HTML or PNG.

The CLI's `embed`, `similarity`, `models bench` and `map` commands only parse and print.
"""
