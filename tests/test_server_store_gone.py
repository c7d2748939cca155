"""A store deleted under a running server: questions say so rather than answer from memory, the next upload
stores every document again (or names those it cannot), and its report carries the notes the CLI prints."""

from __future__ import annotations

import shutil

from rag_app import results
from tests.test_server import MJ, assert_error
from tests.test_server_safety import app_client

NEW = {"files": [("files", ("hopper.txt", b"Grace Hopper was born in 1906 in New York City."))]}


def test_a_deleted_store_is_not_answered_from_memory_and_the_next_upload_repairs_it(fake_env, docs):
    client = app_client()
    client.app.state.service.ingest([docs])
    assert client.post("/v1/ask", json={"question": MJ}).status_code == 200
    before = client.get("/v1/documents").json()
    assert len(before) == 4

    shutil.rmtree(fake_env / ".rag_app" / "chroma")  # deleted behind the server's back
    assert_error(client.post("/v1/ask", json={"question": MJ}), 404, "the store holds 0 chunks but its catalog lists 5")
    assert_error(client.post("/v1/search", json={"query": "coffee"}), 404, "catalog lists 5")

    (docs / "coffee.html").unlink()  # one of the lost files is gone from disk as well
    report = client.post("/v1/documents", **NEW)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["resynced"] == 5 and body["dry_run"] is False and "extracted" not in body
    [note] = body["notes"]
    assert "5 chunks are stored again, from 3 files this ingest did not name as well" in note
    assert note.endswith("; 1 file whose chunks were lost is gone from disk and cannot be stored again: coffee.html")
    listed = {d["source"] for d in client.get("/v1/documents").json()}
    assert listed == {"hopper.txt", "famous_birthdays.txt", "landmarks.pdf", "solar_system.md"}
    answer = client.post("/v1/ask", json={"question": MJ}).json()
    assert answer["sources"] and "coffee.html" not in {s["source"] for s in answer["sources"]}


def test_the_http_and_mcp_schemas_are_the_results(fake_env, docs):
    from rag_app import result_models
    from rag_app.mcp_server import IngestOut
    from rag_app.server import schemas

    service = app_client().app.state.service
    report = service.ingest([docs])
    pairs = [
        (report, result_models.IngestReport),
        (service.search("coffee", 2), result_models.SearchResult),
        (service.ask(MJ, 2), result_models.Answer),
        (service.sources()[0], result_models.SourceInfo),
        (service.stats(), result_models.Stats),
    ]
    for result, model in pairs:
        data = result.to_dict()
        assert model.model_validate(data).model_dump(exclude_unset=True).keys() <= data.keys()
        assert set(data) <= set(model.model_fields), (type(result).__name__, set(data) - set(model.model_fields))
    fields = {f for f in results.IngestReport.__dataclass_fields__}
    assert fields <= set(IngestOut.model_fields) and fields - {"extracted"} <= set(schemas.UploadReport.model_fields)
    assert schemas.Source is result_models.Source and schemas.Answer is result_models.Answer
    assert result_models.Source.model_fields["rank"].description == "1 for the most relevant."


def test_a_data_folder_deleted_under_the_server_starts_afresh(fake_env, docs):
    client = app_client()
    client.app.state.service.ingest([docs])
    shutil.rmtree(fake_env / ".rag_app")  # the store and its catalog
    assert_error(client.post("/v1/ask", json={"question": MJ}), 404, "nothing ingested yet")
    report = client.post("/v1/documents", **NEW)
    assert report.status_code == 200, report.text  # was 503: the new catalog file had no tables
    assert client.get("/v1/documents").json() == [{"source": "hopper.txt", "chunks": 1}]
    assert client.post("/v1/ask", json={"question": "When was Grace Hopper born?"}).status_code == 200
