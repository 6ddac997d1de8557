"""hermes as the suite's "everything client" (examples/clients/typescript/everything-client.ts),
which connects, lists the tools and calls test-tool (pre-registration: lists only), authorizing
whenever a request answers 401 or 403. hermes splits that into commands, each run here in the
scenario's own fresh HERMES_HOME:

  hermes mcp test conf --json    connect + tools/list
  hermes mcp call conf test-tool connect + tools/call
  hermes mcp login conf          the authorization (the browser is browser.sh, as in hermes' tests)

`test` and `call` never start a login: when one answers "needs login" (no tokens, a 401 they
cannot recover from, a 403 insufficient_scope) the driver runs `hermes mcp login conf` and retries
that command, again and again while hermes keeps asking (up to MAX_LOGINS), which is what the
everything-client's withOAuthRetry does in-process and what a person does with hermes: a limit on
re-authorization must come from hermes. Starting with `test` (not with `login`) matters where initialize is open
and only tools/list answers 401 (scope-step-up, the retry limit, the migration), as it does for the
everything-client. Like that client, hermes is offered the suite's CIMD URL (oauth.cimd) and, for
pre-registration, the client_id/secret of MCP_CONFORMANCE_CONTEXT (oauth.client_id/client_secret).
The extension scenarios' credentials (MCP_CONFORMANCE_CONTEXT, the everything-client's handlers'
inputs) reach hermes as a person would configure them (extension_oauth): the grant
(client_credentials, identity_assertion, jwt_bearer) and client_id in config.yaml, a secret only as
`${CONF_CLIENT_SECRET}` with its value in HERMES_HOME/.env, a key, an ID token or a workload JWT in
a file of HERMES_HOME that config.yaml names; every file mode 0600. These grants need no browser:
`test` obtains the token itself, and `login`, when hermes asks for it, obtains one without a
browser. The DPoP scenarios have no context: hermes gets the core scenarios' config and chooses
DPoP from the AS metadata (dpop_signing_alg_values_supported).
MCP_CONFORMANCE_PROTOCOL_VERSION names the scenario's revision, as the TS runner sets it; hermes
does not read it: it finds the revision itself (server/discover, else initialize), which is what
the draft scenarios' 2026-07-28 server and the others' 2025-11-25 one test."""
import asyncio
import json
import os
import shutil
import signal
import tempfile
import time

from .scenarios.basic_cimd import CIMD_CLIENT_METADATA_URL

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(os.path.dirname(HERE), 'PythonPeers', 'browser.sh')
NAME = "conf"
MAX_LOGINS = 10  # per scenario; scope-retry-limit fails a client at its 4th authorization


SECRET_VAR = "CONF_CLIENT_SECRET"


def extension_oauth(scenario_name, context, home):
    """(oauth block, .env entries, {file name in home: content}) for an extension scenario's
    context, or None for any other scenario."""
    ctx = context or {}
    path = lambda name: os.path.join(home, name)
    secret = f"${{{SECRET_VAR}}}"
    if scenario_name == "auth/client-credentials-basic":
        return ({"grant": "client_credentials", "client_id": ctx["client_id"], "client_secret": secret},
                {SECRET_VAR: ctx["client_secret"]}, {})
    if scenario_name == "auth/client-credentials-jwt":
        return ({"grant": "client_credentials", "client_id": ctx["client_id"],
                 "private_key": path("conf-client-key.pem"),
                 "private_key_alg": ctx.get("signing_algorithm") or "ES256"},
                {}, {"conf-client-key.pem": ctx["private_key_pem"]})
    if scenario_name == "auth/enterprise-managed-authorization":
        return ({"grant": "identity_assertion", "client_id": ctx["client_id"], "client_secret": secret,
                 "idp": {"issuer": ctx["idp_issuer"], "token_endpoint": ctx["idp_token_endpoint"],
                         "client_id": ctx["idp_client_id"], "id_token_file": path("conf-idp-id-token")}},
                {SECRET_VAR: ctx["client_secret"]}, {"conf-idp-id-token": ctx["idp_id_token"]})
    if scenario_name == "auth/wif-jwt-bearer":
        return ({"grant": "jwt_bearer", "client_id": ctx["client_id"], "assertion_file": path("conf-workload.jwt")},
                {}, {"conf-workload.jwt": ctx["valid_jwt"]})
    return None


def _yaml_block(mapping, indent):
    """A YAML block of strings (JSON-quoted, which YAML reads as they are) and nested mappings."""
    lines = []
    for k, v in mapping.items():
        if isinstance(v, dict):
            lines.append(f"{' ' * indent}{k}:")
            lines += _yaml_block(v, indent + 2)
        else:
            lines.append(f"{' ' * indent}{k}: {json.dumps(v)}")
    return lines


def config_yaml(url, context, oauth=None):
    if oauth is None:
        # the everything-client's pre-registration provider has the given credentials and no CIMD URL
        if context:
            oauth = {"client_id": context["client_id"], "client_secret": context["client_secret"]}
        else:
            oauth = {"cimd": CIMD_CLIENT_METADATA_URL}
    lines = ["mcp_servers:", f"  {NAME}:", f"    url: {json.dumps(url)}", "    auth: oauth", "    oauth:"]
    lines += _yaml_block(oauth, 6)
    return "\n".join(lines) + "\n"


def _dotenv_line(key, value):
    # python-dotenv's reading (hermes' too): single quotes are literal; plain when nothing needs them
    if all(c.isalnum() or c in "-_.:/+=@" for c in value):
        return f"{key}={value}"
    if "'" not in value and "\n" not in value:
        return f"{key}='{value}'"
    raise ValueError(f"no .env quoting for the value of {key}")


def _write_private(path, text):
    """A file only its owner can read or write (0600 whatever the umask), created new."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def prepare_home(home, url, scenario_name, context):
    """config.yaml, and for an extension scenario its .env and credential files, in `home`."""
    ext = extension_oauth(scenario_name, context, home)
    if ext is None:
        _write_private(os.path.join(home, "config.yaml"), config_yaml(url, context))
        return
    oauth, env, files = ext
    for name, content in files.items():
        _write_private(os.path.join(home, name), content)
    if env:
        _write_private(os.path.join(home, ".env"), "".join(_dotenv_line(k, v) + "\n" for k, v in env.items()))
    _write_private(os.path.join(home, "config.yaml"), config_yaml(url, context, oauth))


async def _run(hermes, args, env, deadline, log):
    """One hermes command, killed (with its browser child) at the scenario's deadline."""
    proc = await asyncio.create_subprocess_exec(hermes, *args, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                start_new_session=True)
    timed_out = False
    try:
        out, err = await asyncio.wait_for(proc.communicate(), max(0.1, deadline - time.monotonic()))
    except asyncio.TimeoutError:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = await proc.communicate()
    entry = {"args": ["hermes", *args], "exit_code": proc.returncode, "timed_out": timed_out,
             "stdout": out.decode("utf-8", "replace")[-4000:], "stderr": err.decode("utf-8", "replace")[-4000:]}
    log.append(entry)
    return entry


def _needs_login(entry):
    text = entry["stdout"] + entry["stderr"]
    return entry["exit_code"] != 0 and ("needs_reauth" in text or "needs login" in text or "hermes mcp login" in text)


async def run_client(hermes, scenario, ctx, urls, timeout):
    """Returns {exit_code, timed_out, steps}: the first failing step's exit code, as the one client
    process of the TS runner would exit."""
    home = tempfile.mkdtemp(prefix="hermes-conf-")
    log = []
    try:
        prepare_home(home, urls["serverUrl"], scenario.name, urls.get("context"))
        env = dict(os.environ, HERMES_HOME=home, HOME=os.path.join(home, "user-home"), BROWSER=BROWSER,
                   MCP_CONFORMANCE_SCENARIO=scenario.name, MCP_CONFORMANCE_PROTOCOL_VERSION=ctx.spec_version,
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_COLOR"):
            env.pop(k, None)
        if urls.get("context"):
            env["MCP_CONFORMANCE_CONTEXT"] = json.dumps({"name": scenario.name, **urls["context"]})
        deadline = time.monotonic() + timeout
        login = ["mcp", "login", NAME, "--timeout", "20"]
        steps = [["mcp", "test", NAME, "--json"]]
        if scenario.call_tool:
            steps.append(["mcp", "call", NAME, "test-tool", "{}"])

        logins = 0
        for step in steps:
            result = await _run(hermes, step, env, deadline, log)
            # Re-authorize as long as hermes asks for it: the everything-client's retry loop is
            # in-process, hermes' spans commands, so any cap on authorizations must be hermes' own
            # (scope-retry-limit counts them); MAX_LOGINS only bounds a client that has none.
            while _needs_login(result) and not result["timed_out"] and logins < MAX_LOGINS:
                logins += 1
                again = await _run(hermes, login, env, deadline, log)
                if again["exit_code"] != 0 or again["timed_out"]:
                    result = again
                    break
                result = await _run(hermes, step, env, deadline, log)
            if result["exit_code"] != 0 or result["timed_out"]:
                break
        return {"exit_code": result["exit_code"], "timed_out": result["timed_out"], "steps": log}
    finally:
        shutil.rmtree(home, ignore_errors=True)
