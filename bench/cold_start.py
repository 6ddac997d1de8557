"""Cold start of the CLI, hermes against hermes-agent 0.19.0 on the same HERMES_HOME with 50
configured servers: `hermes mcp list`, `hermes mcp status` (hermes only) and `hermes --help`, median wall time and peak RSS.

  python bench/cold_start.py --hermes .build/release/hermes --agent .peers/agent/bin/hermes [--runs 10]
"""
import argparse
import os
import statistics
import tempfile

from benchlib import run_with_rss as run


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hermes", required=True)
    p.add_argument("--agent", required=True)
    p.add_argument("--runs", type=int, default=10)
    args = p.parse_args()
    home = tempfile.mkdtemp(prefix="hermes-cold-")
    with open(os.path.join(home, "config.yaml"), "w") as f:
        f.write("mcp_servers:\n")
        for i in range(50):
            if i % 2:
                f.write(f"  http{i}:\n    url: https://mcp{i}.example.com/mcp\n    auth: oauth\n")
            else:
                f.write(f"  stdio{i}:\n    command: npx\n    args: [-y, '@example/server-{i}']\n    tools:\n      include: [a, b]\n")
    env = dict(os.environ, HERMES_HOME=home, NO_COLOR="1")
    rows = []
    for label, binary in (("hermes", args.hermes), ("hermes-agent 0.19.0", args.agent)):
        # hermes-agent 0.19.0 has no `mcp status`.
        for what in (["mcp", "list"], ["mcp", "status"], ["--help"]) if label == "hermes" else (["mcp", "list"], ["--help"]):
            walls, rss, codes = [], [], set()
            for _ in range(args.runs):
                wall, code, peak = run([binary] + what, env)
                walls.append(wall)
                rss.append(peak)
                codes.add(code)
            rows.append((label, " ".join(what), statistics.median(walls), max(rss), codes))
    print("| client | command | median wall ms | peak RSS MiB | exit codes |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r[0]} | `{r[1]}` | {r[2]:.1f} | {r[3]:.1f} | {sorted(r[4])} |")
    h = {r[1]: r[2] for r in rows if r[0] == "hermes"}
    a = {r[1]: r[2] for r in rows if r[0] != "hermes"}
    print(f"\nratio (hermes-agent / hermes): mcp list {a['mcp list'] / h['mcp list']:.0f}x, --help {a['--help'] / h['--help']:.0f}x")


if __name__ == "__main__":
    main()
