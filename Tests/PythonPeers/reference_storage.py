"""Reads and writes token files the way hermes-agent's HermesTokenStorage does, with the MCP SDK's
own pydantic models, so the Swift side can be checked against the real validators.

  python reference_storage.py read TOKEN_DIR STEM    validate STEM.json/.client.json/.meta.json, print JSON
  python reference_storage.py write TOKEN_DIR STEM   write the three files as hermes-agent would
"""
import json
import os
import sys
import time

from mcp.shared.auth import OAuthClientInformationFull, OAuthMetadata, OAuthToken


def read(token_dir, stem):
    out = {}
    path = os.path.join(token_dir, stem + ".json")
    with open(path) as f:
        data = json.load(f)
    # hermes-agent: pop the absolute expiry, turn it back into a relative expires_in, validate.
    expires_at = data.pop("expires_at", None)
    if expires_at is not None:
        data["expires_in"] = int(max(float(expires_at) - time.time(), 0))
    token = OAuthToken.model_validate(data)
    out["token"] = token.model_dump(mode="json", exclude_none=True)
    out["expires_at"] = expires_at
    with open(os.path.join(token_dir, stem + ".client.json")) as f:
        out["client"] = OAuthClientInformationFull.model_validate(json.load(f)).model_dump(mode="json", exclude_none=True)
    with open(os.path.join(token_dir, stem + ".meta.json")) as f:
        out["meta"] = OAuthMetadata.model_validate(json.load(f)).model_dump(mode="json", exclude_none=True)
    print(json.dumps(out))


def write(token_dir, stem):
    os.makedirs(token_dir, exist_ok=True)
    token = OAuthToken(access_token="py-access-0123456789abcdef", token_type="Bearer", expires_in=3600,
                       scope="read write", refresh_token="py-refresh-0123456789abcdef")
    data = token.model_dump(mode="json", exclude_none=True)
    data["expires_at"] = time.time() + 3600
    client = OAuthClientInformationFull(client_id="py-client", client_secret="py-secret",
                                        redirect_uris=["http://127.0.0.1:43123/callback"],
                                        grant_types=["authorization_code", "refresh_token"],
                                        response_types=["code"], token_endpoint_auth_method="client_secret_post",
                                        client_name="Hermes Agent", client_id_issued_at=1763000000)
    meta = OAuthMetadata(issuer="http://127.0.0.1:8765", authorization_endpoint="http://127.0.0.1:8765/authorize",
                         token_endpoint="http://127.0.0.1:8765/token", registration_endpoint="http://127.0.0.1:8765/register",
                         scopes_supported=["read", "write"], response_types_supported=["code"],
                         code_challenge_methods_supported=["S256"])
    for suffix, obj in ((".json", data), (".client.json", client.model_dump(exclude_none=True)),
                        (".meta.json", meta.model_dump(exclude_none=True))):
        with open(os.path.join(token_dir, stem + suffix), "w") as f:
            json.dump(obj, f, indent=2, default=str)


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2], sys.argv[3])
