#!/bin/sh
# A stand-in for a person's browser in tests: fetches the authorization URL (the last argument)
# and follows its redirects to the loopback callback, as a browser would after the person approves.
# curl rather than Python: a login in a test starts one, and the suite makes hundreds of logins.
#
#   browser.sh URL                 follow the redirects (the default "person approves")
#   BROWSER_MODE=print browser.sh  only record the URL in $BROWSER_LOG, do not visit it
#   BROWSER_DELAY=S                wait S seconds first, as a person reading the consent page does
#   BROWSER_LOCALHOST=ADDR         connect to ADDR (::1 or 127.0.0.1) for `localhost`, as a browser
#                                  may pick either address the name has
# Each visited URL is appended to $BROWSER_LOG when set. Exits 0 when the last answer was below
# 500 (a browser shows a 4xx page too), 1 when nothing answered or the server failed.
for url in "$@"; do :; done
[ -n "${url:-}" ] || exit 2
[ -n "${BROWSER_LOG:-}" ] && printf '%s\n' "$url" >> "$BROWSER_LOG"
[ "${BROWSER_MODE:-}" = print ] && exit 0
[ -n "${BROWSER_DELAY:-}" ] && sleep "$BROWSER_DELAY"
case "${BROWSER_LOCALHOST:-}" in
    "") set -- ;;
    *:*) set -- --connect-to "localhost::[$BROWSER_LOCALHOST]:" ;;
    *) set -- --connect-to "localhost::$BROWSER_LOCALHOST:" ;;
esac
code=$(curl -s -L --max-redirs 10 --proto =http,https --proto-redir =http,https --max-time 20 -o /dev/null -w '%{http_code}' "$@" "$url") || exit 1
[ "$code" -gt 0 ] && [ "$code" -lt 500 ]
