"""`python -m rag_app serve`: rag_app over HTTP (its own API, an OpenAI-compatible one) and a web page.

A thin surface over `RagService`: each route parses the request, calls the service and renders
its result; `errors` turns the service's typed errors into JSON with an HTTP status. Only the
`serve` command imports this package, so FastAPI and uvicorn never slow the other commands.
"""
