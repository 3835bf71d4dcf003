"""POST /v3/upload and POST /v3/upload/delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel

from unigate.api.auth import CurrentKey
from unigate.api.bodies import DeleteFilesRequest, DeleteFilesResponse
from unigate.api.responses import json_response
from unigate.gateway import Gateway

router = APIRouter(prefix="/v3/upload", tags=["files"])

_CHUNK = 1024 * 1024


class FileMetadata(BaseModel):
    page_count: int | None = None


class UploadResponse(BaseModel):
    file_id: str
    file_name: str
    file_size: int
    file_mimetype: str
    purpose: str
    created_at: str
    metadata: FileMetadata
    expires_at: str


@router.post(
    "",
    response_model=UploadResponse,
    responses={
        400: {"description": "Malformed multipart body"},
        401: {"description": "Bad key"},
        413: {"description": "File larger than the server's limit"},
    },
    summary="Upload a file to use as input",
)
async def upload_file(
    request: Request,
    key: CurrentKey,
    file: Annotated[UploadFile, File(description="The file; its type is detected from its content")],
    expires_in_days: Annotated[int, Form(ge=1, le=30)] = 30,
    purpose: Annotated[str, Form(min_length=1, max_length=100)] = "general",
) -> Response:
    gw: Gateway = request.app.state.gateway
    limit = gw.settings.max_upload_bytes
    data = await _read_limited(file, limit)
    record = await gw.files.upload(
        key.id, data, file.filename, purpose=purpose, expires_in_days=expires_in_days
    )
    return json_response(record.public())


@router.post(
    "/delete",
    response_model=DeleteFilesResponse,
    responses={401: {"description": "Missing or invalid API key"}},
    summary="Delete your uploaded files",
)
async def delete_files(body: DeleteFilesRequest, key: CurrentKey, request: Request) -> Response:
    gw: Gateway = request.app.state.gateway
    count = await gw.files.delete(key.id, body.file_ids)
    return json_response({"deleted_count": count})


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    if file.size is not None and file.size > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    total = 0
    while chunk := await file.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    if total == 0:
        raise HTTPException(
            422, [{"loc": ["body", "file"], "msg": "the file is empty", "type": "empty_file"}]
        )
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPException:
    detail: Any = f"file larger than the {limit} bytes this server accepts (UNIGATE_MAX_UPLOAD_BYTES)"
    return HTTPException(413, detail)


files_router = APIRouter(prefix="/v3/files", tags=["files"])


@files_router.get(
    "/{file_id}/content",
    summary="Download a file the gateway produced (signed resource URL)",
    responses={
        403: {"description": "Bad or expired signature"},
        404: {"description": "Unknown or expired file"},
    },
    response_class=Response,
)
async def file_content(
    file_id: str,
    request: Request,
    expires: Annotated[int, Query(description="From the signed URL")],
    signature: Annotated[str, Query(description="From the signed URL")],
) -> Response:
    gw: Gateway = request.app.state.gateway
    if not gw.files.signer.valid(file_id, expires, signature):
        raise HTTPException(403, "invalid or expired signature: ask for the resource again")
    found = await gw.files.content(file_id)
    if found is None:
        raise HTTPException(404, f"file {file_id!r} not found")
    record, data = found
    return Response(
        content=data,
        media_type=record.mime,
        headers={"Content-Disposition": f'inline; filename="{record.name}"'},
    )
