"""helpers/mockTokenVerifier.ts: accepts tokens starting test-token or cc-token, with the scopes the
authorization server registered for them, and records a check either way."""
import time

from . import spec_references as refs
from .checks import check


class InvalidToken(Exception):
    error_code = "invalid_token"


class MockTokenVerifier:
    def __init__(self, checks, expected_scopes=()):
        self.checks = checks
        self.expected_scopes = list(expected_scopes)
        self.token_scopes = {}

    def register_token(self, token, scopes):
        self.token_scopes[token] = list(scopes)

    async def verify(self, token):
        if token.startswith("test-token") or token.startswith("cc-token"):
            scopes = self.token_scopes.get(token, [])
            self.checks.append(check("valid-bearer-token", "ValidBearerToken", "Client provided valid bearer token",
                                     "SUCCESS", [refs.MCP_ACCESS_TOKEN_USAGE],
                                     {"token": token[:15] + "...", "scopes": scopes}))
            return {"token": token, "clientId": "test-client", "scopes": scopes,
                    "expiresAt": int(time.time()) + 3600}
        self.checks.append(check("invalid-bearer-token", "InvalidBearerToken", "Client provided invalid bearer token",
                                 "FAILURE", [refs.MCP_ACCESS_TOKEN_USAGE],
                                 {"message": "Token verification failed",
                                  "token": token[:10] + "..." if token else "missing"}))
        raise InvalidToken("Invalid token")
