"""A stand-in for a person's browser in tests: fetches the authorization URL and follows its
redirects to the loopback callback, as a browser would after the person approves.

  browser.py URL                 follow the redirects (the default "person approves")
  BROWSER_MODE=print browser.py  only record the URL in $BROWSER_LOG, do not visit it
  BROWSER_DELAY=S                wait S seconds first, as a person reading the consent page does
  BROWSER_LOCALHOST=ADDR         resolve `localhost` to ADDR only (::1 or 127.0.0.1), as a browser
                                 may pick either address the name has
Each visited URL is appended to $BROWSER_LOG when set.
"""
import os
import socket
import sys
import time
import urllib.error
import urllib.request

url = sys.argv[-1]
log = os.environ.get("BROWSER_LOG")
if log:
    with open(log, "a") as f:
        f.write(url + "\n")
if os.environ.get("BROWSER_MODE") == "print":
    sys.exit(0)
forced = os.environ.get("BROWSER_LOCALHOST")
if forced:
    resolve = socket.getaddrinfo
    # http.client connects through socket.create_connection, which looks this name up at call time.
    socket.getaddrinfo = lambda host, *a, **k: resolve(forced if host == "localhost" else host, *a, **k)
time.sleep(float(os.environ.get("BROWSER_DELAY", "0")))
try:
    urllib.request.urlopen(url, timeout=20).read()
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code < 500 else 1)
except Exception:
    sys.exit(1)
