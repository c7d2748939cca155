"""Documents: upload (multipart), list, delete. No route reads a path on the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from starlette.exceptions import HTTPException

from rag_app.server import schemas
from rag_app.server.auth import Service, require_key
from rag_app.server.paths import hide_paths

router = APIRouter(prefix="/v1/documents", tags=["documents"], dependencies=[Depends(require_key)])


@router.post("", response_model=schemas.UploadReport, responses=schemas.errors(400, 401, 409, 413, 422, 503))
def upload(
    files: Annotated[list[UploadFile], File(description="one or more files of a type rag_app reads")],
    svc: Service,
) -> dict[str, Any]:
    """Store and ingest uploaded files (replacing ones of the same name); answered with the ingest report
    (with its `notes` and `warnings`: what the CLI prints after an ingest).

    Each file is at most RAG_MAX_FILE_MB, at most RAG_MAX_UPLOAD_FILES per request. A second
    upload while one is being ingested gets 409; questions are answered meanwhile.
    """
    settings = svc.settings
    if len(files) > settings.max_upload_files:
        raise HTTPException(
            413, f"{len(files)} files in one request; the limit is {settings.max_upload_files} (RAG_MAX_UPLOAD_FILES)"
        )
    for upload in files:
        if upload.size is not None and upload.size > settings.max_file_mb * 2**20:
            raise HTTPException(
                413,
                f"{Path(upload.filename or '?').name} is {upload.size / 2**20:.1f} MiB; "
                f"the limit is {settings.max_file_mb} MiB (RAG_MAX_FILE_MB)",
            )
    report = svc.ingest_files([(upload.filename or "", upload.file) for upload in files])
    skipped = [{"name": Path(path).name, "reason": reason} for path, reason in report.skipped]
    if not report.files_read:
        raise HTTPException(422, "nothing could be read: " + "; ".join(f"{s['name']}: {s['reason']}" for s in skipped))
    data = report.to_dict()
    del data["extracted"]  # paths on the server
    told = {key: [hide_paths(line, settings) for line in data[key]] for key in ("notes", "warnings")}
    return {**data, **told, "skipped": skipped}


@router.get("", response_model=list[schemas.Document], responses=schemas.errors(401, 503))
def documents(svc: Service) -> list[dict[str, Any]]:
    """The ingested documents with their chunk counts."""
    return [{"source": info.source, "chunks": info.chunks} for info in svc.sources()]


@router.delete("/{source:path}", response_model=schemas.Deleted, responses=schemas.errors(401, 404, 409, 503))
def delete(source: str, svc: Service) -> dict[str, Any]:
    """Remove a document's chunks (and an upload's stored copy), named as the list shows it."""
    return {"source": source, "chunks": svc.delete(source).chunks}
