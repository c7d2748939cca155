"""`mcp`: the MCP server tested with the official SDK's own client, over stdio as a host runs it
(`python -m rag_app mcp` as a subprocess), and once over streamable HTTP on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from rag_app import RagService
from tests.conftest import free_port

mcp = pytest.importorskip("mcp")


def stdio_client(cwd, errlog):
    """The SDK's client for `python -m rag_app mcp` started in `cwd` with this environment."""
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "rag_app", "mcp"], env=dict(os.environ), cwd=cwd)
    return mcp.Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60)


def text(result) -> str:
    return " ".join(block.text for block in result.content)


@pytest.fixture
def errlog(workdir):
    """The server's stderr, read back by the test."""
    with open(workdir / "server.err", "w+") as log:
        yield log


async def test_tools_over_stdio(fake_env, docs, errlog):
    RagService().ingest([docs])
    async with stdio_client(fake_env, errlog) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == {"search", "ask", "list_sources"}  # no ingest unless RAG_MCP_INGEST_ROOTS allows it
        for tool in tools.values():
            assert len(tool.description) > 60 and tool.input_schema["type"] == "object" and tool.output_schema
        search_args = tools["search"].input_schema["properties"]
        assert search_args["query"]["type"] == "string" and "query" in tools["search"].input_schema["required"]
        assert {"minimum": 1}.items() <= search_args["k"]["anyOf"][0].items()
        assert tools["ask"].annotations.read_only_hint is True

        found = await client.call_tool("search", {"query": "Eiffel Tower", "k": 2})
        assert not found.is_error
        results = found.structured_content["results"]
        assert len(results) == 2 and {"rank", "score", "source", "page", "text"} <= set(results[0])
        assert any(r["source"] == "landmarks.pdf" and r["page"] == 1 for r in results)
        assert json.loads(text(found)) == found.structured_content  # the same JSON for hosts that read text

        answered = await client.call_tool("ask", {"question": "When was Michael Jordan born?"})
        assert answered.structured_content["answer"] == "Michael Jordan was born on 17 February 1963."
        cited = answered.structured_content["sources"]
        assert len(cited) == 5 and all({"source", "page", "score"} <= set(s) for s in cited)

        listed = (await client.call_tool("list_sources", {})).structured_content["sources"]
        assert sorted(s["source"] for s in listed) == [
            "coffee.html",
            "famous_birthdays.txt",
            "landmarks.pdf",
            "solar_system.md",
        ]

        for name, arguments, message in [
            ("search", {"query": "tower", "k": 0}, "k"),
            ("search", {"query": "tower", "k": "many"}, "k"),
            ("search", {}, "query"),
            ("ask", {"question": "   "}, "the question is empty"),
            ("ask", {"question": "x" * 10_001}, "question"),
            ("ingest", {"paths": [str(docs)]}, "ingest"),
        ]:
            failed = await client.call_tool(name, arguments)
            assert failed.is_error and message in text(failed), (name, arguments, text(failed))
            assert "Traceback" not in text(failed) and 'File "' not in text(failed)
    errlog.seek(0)
    assert "Traceback" not in errlog.read()


async def test_ingest_only_under_the_allowed_folders(workdir, docs, errlog, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    notes = workdir / "notes"
    notes.mkdir()
    (notes / "hopper.md").write_text("Grace Hopper was born in 1906 in New York City.")
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("the secret is 42")
    (notes / "link.txt").symlink_to(outside / "secret.txt")
    monkeypatch.setenv("RAG_MCP_INGEST_ROOTS", f"{notes}{os.pathsep}{docs}")

    async with stdio_client(workdir, errlog) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert "ingest" in tools and str(notes) in tools["ingest"].description
        assert tools["ingest"].annotations.read_only_hint is not True

        empty = await client.call_tool("search", {"query": "Grace Hopper"})
        assert empty.is_error and "nothing ingested yet" in text(empty) and "with the ingest tool" in text(empty)

        for paths, message in [
            ([str(outside / "secret.txt")], "outside the folders ingest may read"),
            ([str(notes / "link.txt")], "outside the folders ingest may read"),  # a link out is followed, then refused
            ([f"{notes}/../../"], "outside the folders ingest may read"),
            (["notes/hopper.md"], "not an absolute path"),
            ([str(notes / "missing.md")], "missing.md"),
            ([], "paths"),
        ]:
            refused = await client.call_tool("ingest", {"paths": paths})
            assert refused.is_error and message in text(refused), (paths, text(refused))

        report = await client.call_tool("ingest", {"paths": [str(notes), str(docs)]})
        assert not report.is_error, text(report)
        skipped = report.structured_content["skipped"]  # the link inside an allowed folder is not followed out
        assert skipped == [
            {"path": str(notes / "link.txt"), "reason": "outside the folders ingest may read (through a link)"}
        ]
        assert report.structured_content["files_read"] == 5 and report.structured_content["added"] == 6
        assert "5 files read" in report.structured_content["summary"]

        found = await client.call_tool("search", {"query": "Grace Hopper 1906", "k": 1})
        assert found.structured_content["results"][0]["source"] == "hopper.md"
        listed = (await client.call_tool("list_sources", {})).structured_content["sources"]
        assert "hopper.md" in {s["source"] for s in listed} and "secret" not in json.dumps(listed)
    errlog.seek(0)
    assert "Traceback" not in errlog.read()


async def test_streamable_http_on_loopback(fake_env, docs, workdir, monkeypatch):
    RagService().ingest([docs])
    monkeypatch.setenv("RAG_DEBUG", "1")  # the server's log shows the traceback; the agent still gets one line
    port = free_port()
    log = open(workdir / "http.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "rag_app", "mcp", "--http", "--port", str(port)], stderr=log, stdout=log
    )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 60
        while True:
            try:
                async with mcp.Client(url) as client:
                    found = await client.call_tool("search", {"query": "coffee", "k": 1})
                    failed = await client.call_tool("ask", {"question": " "})
                    break
            except Exception:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"the HTTP server did not answer: {log.read()[-2000:]}") from None
                time.sleep(0.3)
        assert found.structured_content["results"][0]["source"] == "coffee.html"
        assert failed.is_error and text(failed) == "Error executing tool ask: the question is empty"
        # DNS rebinding and other sites' pages are refused as `serve` refuses them (the same guard).
        import httpx

        hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        rebound = httpx.post(url, json=hello, headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 421 and "this server answers requests addressed to" in rebound.text
        cross = httpx.post(url, json=hello, headers={"Origin": "http://evil.example"})
        assert cross.status_code == 403 and "a page at http://evil.example may not call" in cross.text
        log.seek(0)
        logged = log.read()
        assert f"MCP server at {url}" in logged and "Traceback" in logged and "ConfigError" in logged
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


async def test_bad_arguments_are_one_line(fake_env, docs, monkeypatch):
    from rag_app.mcp_server import build_server

    monkeypatch.setenv("RAG_MCP_INGEST_ROOTS", str(docs))
    service = RagService()
    service.ingest([docs])
    async with mcp.Client(build_server(service)) as client:  # in memory: the same server, no process
        for name, arguments, message in [
            ("search", {"query": "tower", "k": 0}, "k: Input should be greater than or equal to 1"),
            ("search", {"query": "tower", "k": "many"}, "k: Input should be a valid integer"),
            ("search", {}, "query: Field required"),
            ("ingest", {"paths": "notalist"}, "paths: Input should be a valid list"),
            ("ingest", {"paths": [f"{docs}/a\x00b"]}, "contains a NUL character, which no path can"),
        ]:
            failed = await client.call_tool(name, arguments)
            shown = text(failed)
            assert failed.is_error and shown.startswith(f"Error executing tool {name}: ") and message in shown, shown
            assert "\n" not in shown and "pydantic" not in shown


def test_http_port_errors(fake_env, run):
    import socket

    assert "--port must be between 1 and 65535" in run("mcp", "--http", "--port", "70000").err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("mcp", "--http", "--port", str(taken.getsockname()[1]))
    assert result.code == 1 and "cannot listen on 127.0.0.1:" in result.err and "choose another --port" in result.err
