/*
 * mcp_tools: list an OAuth-protected MCP server's tools from C, with libhermesoauth for the token,
 * libcurl for HTTP and jansson for JSON.
 *
 *   cc mcp_tools.c $(pkg-config --cflags --libs hermesoauth libcurl jansson) -o mcp_tools
 *   HERMES_HOME=~/.hermes ./mcp_tools SERVER [ROUNDS]
 *
 * SERVER is a name from config.yaml with `auth: oauth` (log in first: `hermes mcp login SERVER`).
 * Each round runs `initialize` and `tools/list` and prints the tool names. Every request carries the
 * headers hermes_oauth_request_headers gives for it: `Authorization: Bearer`, or for a DPoP-bound
 * token `Authorization: DPoP` with a fresh proof. A `DPoP-Nonce` the server sends is handed to
 * hermes_oauth_dpop_nonce (and a 401 asking for it retried once with new headers); on another 401
 * it asks hermes_oauth_handle_401 whether a retry is worthwhile and retries once. With more than
 * one round it waits for a line on stdin between rounds, so tokens can change on disk meanwhile
 * (another process refreshing them): the next round uses them without a new login.
 */
#define _DEFAULT_SOURCE /* strncasecmp */
#include <hermesoauth.h>

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *data;
    size_t len;
} buffer;

static size_t collect(char *p, size_t size, size_t n, void *ctx) {
    buffer *b = ctx;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (!grown) return 0;
    b->data = grown;
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = 0;
    return size * n;
}

/* What a reply's headers said that the next request needs. */
typedef struct {
    char session[128];
    char nonce[520];
} reply_headers;

static void keep(const char *p, size_t len, const char *name, char *into, size_t cap) {
    size_t n = strlen(name);
    if (len <= n || strncasecmp(p, name, n) != 0) return;
    const char *v = p + n;
    while (*v == ' ') v++;
    size_t vlen = strcspn(v, "\r\n");
    if (vlen < cap) {
        memcpy(into, v, vlen);
        into[vlen] = 0;
    }
}

static size_t header(char *p, size_t size, size_t n, void *ctx) {
    reply_headers *r = ctx;
    keep(p, size * n, "mcp-session-id:", r->session, sizeof r->session);
    keep(p, size * n, "dpop-nonce:", r->nonce, sizeof r->nonce);
    return size * n;
}

/* hermes' header lines ("Name: value\r\n"...) added to a curl list. */
static struct curl_slist *add_lines(struct curl_slist *list, char *lines) {
    for (char *next = NULL, *line = strtok_r(lines, "\r\n", &next); line; line = strtok_r(NULL, "\r\n", &next))
        list = curl_slist_append(list, line);
    return list;
}

/* One request with hermes' headers for it; the HTTP status, or -(hermes_status) when hermes had
 * none to give. The reply may be JSON or a text/event-stream whose `data:` line holds it. */
static long request(hermes_oauth *h, const char *server, const char *method, const char *url, reply_headers *r,
                    const char *body, json_t **reply) {
    char *auth = NULL;
    hermes_status st = hermes_oauth_request_headers(h, server, method, url, &auth);
    if (st != HERMES_OK) return -(long)st;
    CURL *curl = curl_easy_init();
    buffer out = {0};
    struct curl_slist *headers = add_lines(NULL, auth);
    hermes_free(auth);
    char line[256];
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Accept: application/json, text/event-stream");
    }
    headers = curl_slist_append(headers, "MCP-Protocol-Version: 2025-11-25");
    if (r->session[0]) {
        snprintf(line, sizeof line, "Mcp-Session-Id: %s", r->session);
        headers = curl_slist_append(headers, line);
    }
    r->nonce[0] = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (reply) {
        *reply = NULL;
        if (out.data) {
            char *json = out.data;
            char *data = strstr(out.data, "data:");
            if (data) json = data + 5;
            *reply = json_loads(json, JSON_DISABLE_EOF_CHECK, NULL);
        }
    }
    free(out.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

/* `request`, with what DPoP asks of a client: a nonce the server sends is kept, and a 401 that
 * came with a new one is sent once more (with new headers: a proof is never used twice). */
static long post(hermes_oauth *h, const char *server, const char *url, reply_headers *r, const char *body, json_t **reply) {
    long status = request(h, server, "POST", url, r, body, reply);
    int fresh = 0;
    if (r->nonce[0]) hermes_oauth_dpop_nonce(h, server, url, r->nonce, &fresh);
    if (status == 401 && fresh) {
        if (reply) json_decref(*reply);
        status = request(h, server, "POST", url, r, body, reply);
        if (r->nonce[0]) hermes_oauth_dpop_nonce(h, server, url, r->nonce, NULL);
    }
    return status;
}

static void end_session(hermes_oauth *h, const char *server, const char *url, reply_headers *r) {
    if (r->session[0]) request(h, server, "DELETE", url, r, NULL, NULL);
}

static const char *INITIALIZE =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
    "\"capabilities\":{},\"clientInfo\":{\"name\":\"mcp_tools.c\",\"version\":\"1\"}}}";
static const char *INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
static const char *LIST_TOOLS = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}";

/* One round. Returns 0, or a hermes_status / -1 for an MCP failure. */
static int round_trip(hermes_oauth *h, const char *server, const char *url) {
    reply_headers r = {{0}, {0}};
    long status = post(h, server, url, &r, INITIALIZE, NULL);
    if (status == 401) {
        /* The token the request carried is the one hermes holds now. */
        char *token = NULL;
        hermes_oauth_access_token(h, server, &token);
        int retry = 0;
        hermes_status st = hermes_oauth_handle_401(h, server, token, &retry);
        hermes_free(token);
        if (!retry) {
            fprintf(stderr, "401 from %s and no recovery: %s\n", server, hermes_last_error());
            return st;
        }
        printf("recovered from a 401\n");
        r.session[0] = 0;
        status = post(h, server, url, &r, INITIALIZE, NULL);
    }
    if (status < 0) {
        fprintf(stderr, "no credentials for %s: %s\n", server, hermes_last_error());
        return (int)-status;
    }
    if (status != 200) {
        fprintf(stderr, "initialize answered HTTP %ld\n", status);
        return -1;
    }
    post(h, server, url, &r, INITIALIZED, NULL);
    json_t *reply = NULL;
    status = post(h, server, url, &r, LIST_TOOLS, &reply);
    json_t *tools = json_object_get(json_object_get(reply, "result"), "tools");
    if (status != 200 || !json_is_array(tools)) {
        fprintf(stderr, "tools/list failed (HTTP %ld)\n", status);
        json_decref(reply);
        return -1;
    }
    size_t i;
    json_t *tool;
    printf("tools:");
    json_array_foreach(tools, i, tool) printf(" %s", json_string_value(json_object_get(tool, "name")));
    printf("\n");
    json_decref(reply);
    end_session(h, server, url, &r);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SERVER [ROUNDS]\n", argv[0]);
        return 2;
    }
    const char *server = argv[1];
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    hermes_oauth *h = NULL;
    char *url = NULL;
    int rc = 0;
    if (hermes_oauth_open(NULL, &h) != HERMES_OK || hermes_oauth_server_url(h, server, &url) != HERMES_OK) {
        fprintf(stderr, "%s\n", hermes_last_error());
        rc = 1;
    }
    for (int r = 0; rc == 0 && r < rounds; r++) {
        if (r > 0) {
            char line[16];
            printf("round %d done; press Enter for the next\n", r);
            fflush(stdout);
            if (!fgets(line, sizeof line, stdin)) break;
        }
        if (round_trip(h, server, url) != 0) rc = 1;
    }
    hermes_free(url);
    hermes_oauth_close(h);
    curl_global_cleanup();
    return rc;
}
