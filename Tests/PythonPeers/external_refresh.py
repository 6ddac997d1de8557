"""Another program refreshing a server's tokens behind hermes' back, as a cron job or hermes-agent
would: reads $HERMES_HOME/mcp-tokens/NAME.json (+ .client.json, .meta.json), runs the
refresh_token grant against the stored token endpoint, and writes the new tokens the way
hermes-agent does (0600 temp file, fsync, rename; expires_at). Standard library only.

  external_refresh.py NAME [RESOURCE]
Prints the old and new access tokens, masked.
"""
import json
import os
import sys
import time
import urllib.parse
import urllib.request


def mask(token):
    return token[:4] + "…" + token[-4:]


def main():
    name = sys.argv[1]
    resource = sys.argv[2] if len(sys.argv) > 2 else None
    directory = os.path.join(os.environ["HERMES_HOME"], "mcp-tokens")
    load = lambda suffix: json.load(open(os.path.join(directory, name + suffix)))
    tokens, client, meta = load(".json"), load(".client.json"), load(".meta.json")
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": client["client_id"]}
    if client.get("client_secret"):
        form["client_secret"] = client["client_secret"]
    if resource:
        form["resource"] = resource
    request = urllib.request.Request(meta["token_endpoint"], data=urllib.parse.urlencode(form).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    fresh = json.load(urllib.request.urlopen(request, timeout=10))
    fresh.setdefault("refresh_token", tokens["refresh_token"])
    fresh["token_type"] = "Bearer"
    if "expires_in" in fresh:
        fresh["expires_at"] = time.time() + int(fresh["expires_in"])
    path = os.path.join(directory, name + ".json")
    temp = f"{path}.tmp.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(fresh, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)
    print(f"refreshed '{name}' outside hermes: access token {mask(tokens['access_token'])} -> {mask(fresh['access_token'])}")


if __name__ == "__main__":
    main()
