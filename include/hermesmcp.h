/*
 * libhermesmcp: the MCP servers of a HERMES_HOME, from C (hermes' MCP runtime).
 *
 * libhermesmcp.so holds the whole of libhermesoauth's API as well (this header includes
 * hermesoauth.h): a program links ONE of the two libraries, never both. The conventions of
 * hermesoauth.h hold for every function here (hermes_status results, hermes_last_error(),
 * library-allocated strings released with hermes_free(), any thread may call), with one addition
 * for the five operations and the tool list: see "Answers" below.
 *
 * Link with: cc prog.c $(pkg-config --cflags --libs hermesmcp)
 */
#ifndef HERMESMCP_H
#define HERMESMCP_H

#include "hermesoauth.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The runtime ---------------------------------------------------------------------------------
 *
 * A hermes_mcp handle holds every enabled server of one HERMES_HOME's config.yaml, as hermes-agent
 * does: stdio servers as child processes, HTTP servers as sessions (with the OAuth tokens of the
 * home's manager, refreshed and recovered as hermes_oauth_* do). A server connects at the first
 * operation that names it and stays connected (kept alive, restarted after a crash); an edit to
 * config.yaml or .env reloads the servers whose entries changed, in the background.
 *
 * Like hermes_oauth *, a hermes_mcp * is an opaque value, never an address: NULL, closed and
 * foreign handles are refused with HERMES_EINVAL, never a crash, and no value is ever handed out
 * twice. A hermes_oauth * is not a hermes_mcp * (and is refused as one).
 *
 * Callbacks (hermes_mcp_progress_fn, hermes_mcp_elicit_fn, hermes_mcp_change_fn) run on a thread
 * of the library, never the caller's. They may call any function of this library, except
 * hermes_mcp_close() on the handle they were registered on. The strings they receive are valid
 * only during the call.
 *
 * What the library does to the process:
 *   - SIGPIPE is ignored from the first stdio server on (writing to a server that just died is
 *     then an error, not the end of the host); stdio servers get the default back.
 *   - The host is NOT made a child subreaper: the orphans of its own children stay init's. A stdio
 *     server's descendants carry a tag in their environment, and a server's stop (close, idle or
 *     lifetime recycling, a crash) kills the tagged ones wherever they went, and reaps those that
 *     are the host's children.
 *   - Each stdio server dies with the host (a parent-death signal), also when the host crashes.
 *   - Its own warnings (a server that went away, a reload refused, a refresh that failed) go to
 *     stderr, one line each, "hermes: warning: ...", cleaned of control characters; with
 *     HERMES_DEBUG=1 debug lines too. The first hermes_mcp_open or hermes_oauth_open installs
 *     this as the process's swift-log handler.
 *   - HTTP connections are kept per origin for the whole process (idle ones are closed after
 *     118 s), also after hermes_mcp_close.
 */
typedef struct hermes_mcp hermes_mcp;

/* Opens a runtime on `hermes_home` (NULL: $HERMES_HOME when set and not blank, else ~/.hermes).
 * config.yaml is read now: HERMES_EINVAL (with path:line and what is wrong) when hermes cannot use
 * it. No server is started yet. Release the handle with hermes_mcp_close(). */
hermes_status hermes_mcp_open(const char *hermes_home, hermes_mcp **out);

/* Stops every server of the handle (stdio server processes and everything they started are gone
 * when it returns) and removes its callbacks: when it returns, none of them is running or will
 * run again. Calls in progress on other threads end with an error. Waits for a running callback
 * to return. Returns HERMES_OK, also for NULL (ignored); HERMES_EINVAL for a handle already closed
 * or not from hermes_mcp_open, which changes nothing. */
hermes_status hermes_mcp_close(hermes_mcp *h);

/* The names of the enabled servers, as a JSON array of strings (`["docs","local"]`), sorted.
 * Starts nothing. `*json` is the caller's: hermes_free() it. */
hermes_status hermes_mcp_servers(hermes_mcp *h, char **json);

/* ---- Answers -------------------------------------------------------------------------------------
 *
 * The five operations answer hermes-agent's JSON text, ready to hand to a model as hermes-agent
 * does: {"result": "..."}, {"resources": [...]}, {"prompts": [...]}, {"messages": [...],
 * "description": "..."}, or {"error": "..."} (with "needs_reauth": true and "server" when only a
 * login helps); hermes_mcp_list_tools answers {"tools": [...]} the same way. Unlike elsewhere
 * in the API, `*answer` is set whenever the server was asked, also when the status is a failure,
 * so that the error text can be handed on; hermes_free() it whatever the status. `*answer` is
 * NULL only when the call was refused before that (HERMES_EINVAL, HERMES_ENOTFOUND).
 *
 *   HERMES_OK            the server answered; for a tool this includes a tool that reported an
 *                        error ({"error": "<the tool's text>"}), which is the tool's own answer
 *   HERMES_ENEEDS_LOGIN  no usable tokens: a person must run the `hermes mcp login` the answer names
 *   HERMES_ETIMEOUT      no answer within the server's connect_timeout (first connection) and
 *                        timeout (the request, a reconnect and one retry included)
 *   HERMES_EPROTOCOL     the server answered with an error or something MCP does not allow
 *   HERMES_ENETWORK      the server could not be reached (or its process would not start)
 *   HERMES_ENOTFOUND     no enabled server of that name in config.yaml (no answer)
 *   HERMES_EINVAL        a NULL or closed handle, a NULL name, arguments that are not a JSON
 *                        object, or a config.yaml hermes cannot use (no answer)
 *
 * Every operation blocks the calling thread for at most the server's connect_timeout plus its
 * timeout (config.yaml; 60 and 300 s when not given), including the time a person takes to
 * answer an elicitation.
 */

/* Called with the progress of a tool call while it runs, in order, on a library thread; never
 * after hermes_mcp_call_tool() returned. `total` is negative when the server gave none; `message`
 * is NULL when it gave none, else its words (control characters escaped, cut at 1000 characters). */
typedef void (*hermes_mcp_progress_fn)(double progress, double total, const char *message, void *user);

/* Calls `tool` of `server` with `arguments_json`, a JSON object (NULL: no arguments). `progress`
 * (may be NULL) gets the server's progress notifications, with `user`. */
hermes_status hermes_mcp_call_tool(hermes_mcp *h, const char *server, const char *tool, const char *arguments_json,
                                   hermes_mcp_progress_fn progress, void *user, char **answer);

/* The server's tools (every page), for a host to offer a model: {"tools": [{"name": ...,
 * "description": ..., "inputSchema": {...}, ...}]}, each tool as MCP defines it (also "title",
 * "outputSchema", "annotations" when the server gave them; "description" is null when it gave
 * none). The server is asked each time (tools/list, every page), so the list is current
 * whether or not the host watches changes. It is every tool the server lists: config.yaml's
 * tools.include/exclude is not applied by this library (nor by hermes_mcp_call_tool, which calls
 * any tool); a host that honours it filters the list itself. On 2026-07-28 a tool whose
 * x-mcp-header marks are invalid is left out, as the spec requires (it cannot be called right). */
hermes_status hermes_mcp_list_tools(hermes_mcp *h, const char *server, char **answer);

/* The server's resources (every page): {"resources": [{"uri": ..., "name": ..., ...}]}. */
hermes_status hermes_mcp_list_resources(hermes_mcp *h, const char *server, char **answer);

/* The text of the resource at `uri`: {"result": "..."}. */
hermes_status hermes_mcp_read_resource(hermes_mcp *h, const char *server, const char *uri, char **answer);

/* The server's prompts (every page): {"prompts": [{"name": ..., "arguments": [...], ...}]}. */
hermes_status hermes_mcp_list_prompts(hermes_mcp *h, const char *server, char **answer);

/* The prompt `name` filled in with `arguments_json`, a JSON object of strings (NULL: none). */
hermes_status hermes_mcp_get_prompt(hermes_mcp *h, const char *server, const char *name, const char *arguments_json,
                                    char **answer);

/* ---- Questions from servers ----------------------------------------------------------------------
 *
 * A server may ask the person behind the host for input while it handles a call (MCP
 * elicitation; in 2026-07-28 an `input_required` result). hermes hands the question to the host's
 * callback, with the server's name and the question as JSON in MCP's field names:
 *
 *   {"mode": "form", "message": "How many copies?", "requestedSchema": {"type": "object", ...}}
 *   {"mode": "url", "message": "Please open the consent page.", "url": "https://..."}
 *
 * The message has its control characters escaped; the schema (its titles and descriptions
 * included) is the server's own text. The callback returns the answer as JSON in a string it
 * allocated with malloc(), which hermes frees:
 *
 *   {"action": "accept", "content": {"copies": 2}}    (content: the form's values; {} for a URL)
 *   {"action": "decline"}    {"action": "cancel"}
 *
 * NULL, invalid JSON, another action or more than 1 MiB is a decline. The callback may take as
 * long as a person needs, within the call's timeout (after it, the call has ended with
 * HERMES_ETIMEOUT and the answer is dropped). The questions of one handle are asked one at a time,
 * so a callback that itself makes a call whose server asks a question waits until that call's
 * timeout.
 */
typedef char *(*hermes_mcp_elicit_fn)(const char *server, const char *question_json, void *user);

/* Sets the callback that answers servers' questions (NULL removes it). Without one, hermes tells
 * servers it cannot answer questions, and they do not ask. It must be set before the servers
 * start, that is right after hermes_mcp_open() and before the first operation on the handle (a
 * server learns at connection whether the host answers questions): afterwards it is refused with
 * HERMES_EINVAL. */
hermes_status hermes_mcp_set_elicitation(hermes_mcp *h, hermes_mcp_elicit_fn fn, void *user);

/* ---- Changes -------------------------------------------------------------------------------------*/

/* Called when a connected server says something changed: `what` is "tools", "prompts",
 * "resources" (a list changed: ask for it again) or "resource:<uri>" (that resource changed). The
 * calls of one handle never run concurrently and come in the order the changes came. When "tools"
 * is reported, hermes has already fetched the server's tool list again for its own use
 * (hermes_mcp_list_tools() asks the server again). When the stream that brings a server's changes had to be
 * opened again, every list is reported: what changed meanwhile is not replayed. */
typedef void (*hermes_mcp_change_fn)(const char *server, const char *what, void *user);

/* Registers `fn` with `user` on the handle until hermes_mcp_close(): from now on, the changes of
 * every server the handle has connected are reported. A pair already registered is refused with
 * HERMES_EINVAL and stays registered once. */
hermes_status hermes_mcp_watch(hermes_mcp *h, hermes_mcp_change_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* HERMESMCP_H */
