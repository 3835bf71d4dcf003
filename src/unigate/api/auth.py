"""Bearer API key authentication."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from unigate.accounts.keys import ApiKey

MISSING_KEY = "missing API key: send 'Authorization: Bearer <key>'"
INVALID_KEY = "invalid or revoked API key"

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")


async def current_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiKey:
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, MISSING_KEY, headers={"WWW-Authenticate": "Bearer"})
    key: ApiKey | None = await request.app.state.gateway.keys.authenticate(credentials.credentials)
    if key is None:
        raise HTTPException(401, INVALID_KEY, headers={"WWW-Authenticate": "Bearer"})
    return key


async def admin_key(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
    if not key.is_admin:
        raise HTTPException(403, "this endpoint needs an admin key")
    return key


CurrentKey = Annotated[ApiKey, Depends(current_key)]
