/*
 * mcp_tools: list an OAuth-protected MCP server's tools from C, with libhermesoauth for the token,
 * libcurl for HTTP and jansson for JSON.
 *
 *   cc mcp_tools.c $(pkg-config --cflags --libs hermesoauth libcurl jansson) -o mcp_tools
 *   HERMES_HOME=~/.hermes ./mcp_tools SERVER [ROUNDS]
 *
 * SERVER is a name from config.yaml with `auth: oauth` (log in first: `hermes mcp login SERVER`).
 * Each round gets a token, runs `initialize` and `tools/list`, and prints the tool names. On a 401
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

/* Keeps the Mcp-Session-Id response header. */
static size_t header(char *p, size_t size, size_t n, void *ctx) {
    char *session = ctx;
    size_t len = size * n;
    if (len > 15 && strncasecmp(p, "mcp-session-id:", 15) == 0) {
        const char *v = p + 15;
        while (*v == ' ') v++;
        size_t vlen = strcspn(v, "\r\n");
        if (vlen < 127) {
            memcpy(session, v, vlen);
            session[vlen] = 0;
        }
    }
    return len;
}

/* One JSON-RPC POST. The reply may be JSON or a text/event-stream whose `data:` line holds it. */
static long post(const char *url, const char *token, char *session, const char *body, json_t **reply) {
    CURL *curl = curl_easy_init();
    buffer out = {0};
    struct curl_slist *headers = NULL;
    char line[4096];
    snprintf(line, sizeof line, "Authorization: Bearer %s", token);
    headers = curl_slist_append(headers, line);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json, text/event-stream");
    headers = curl_slist_append(headers, "MCP-Protocol-Version: 2025-11-25");
    if (session[0]) {
        snprintf(line, sizeof line, "Mcp-Session-Id: %s", session);
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, session);
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

static void end_session(const char *url, const char *token, const char *session) {
    if (!session[0]) return;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    char line[4096];
    snprintf(line, sizeof line, "Authorization: Bearer %s", token);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof line, "Mcp-Session-Id: %s", session);
    headers = curl_slist_append(headers, line);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
}

static const char *INITIALIZE =
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
    "\"capabilities\":{},\"clientInfo\":{\"name\":\"mcp_tools.c\",\"version\":\"1\"}}}";
static const char *INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
static const char *LIST_TOOLS = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}";

/* One round. Returns 0, or a hermes_status / -1 for an MCP failure. */
static int round_trip(hermes_oauth *h, const char *server, const char *url) {
    char *token = NULL;
    hermes_status st = hermes_oauth_access_token(h, server, &token);
    if (st != HERMES_OK) {
        fprintf(stderr, "no token for %s: %s\n", server, hermes_last_error());
        return st;
    }
    char session[128] = "";
    long status = post(url, token, session, INITIALIZE, NULL);
    if (status == 401) {
        int retry = 0;
        st = hermes_oauth_handle_401(h, server, token, &retry);
        hermes_free(token);
        token = NULL;
        if (!retry) {
            fprintf(stderr, "401 from %s and no recovery: %s\n", server, hermes_last_error());
            return st;
        }
        printf("recovered from a 401\n");
        if ((st = hermes_oauth_access_token(h, server, &token)) != HERMES_OK) return st;
        session[0] = 0;
        status = post(url, token, session, INITIALIZE, NULL);
    }
    if (status != 200) {
        fprintf(stderr, "initialize answered HTTP %ld\n", status);
        hermes_free(token);
        return -1;
    }
    post(url, token, session, INITIALIZED, NULL);
    json_t *reply = NULL;
    status = post(url, token, session, LIST_TOOLS, &reply);
    json_t *tools = json_object_get(json_object_get(reply, "result"), "tools");
    if (status != 200 || !json_is_array(tools)) {
        fprintf(stderr, "tools/list failed (HTTP %ld)\n", status);
        json_decref(reply);
        hermes_free(token);
        return -1;
    }
    size_t i;
    json_t *tool;
    printf("tools:");
    json_array_foreach(tools, i, tool) printf(" %s", json_string_value(json_object_get(tool, "name")));
    printf("\n");
    json_decref(reply);
    end_session(url, token, session);
    hermes_free(token);
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
