"""Histograms of the manager's latency samples (written by hermes-bench when HERMES_BENCH_SAMPLES
names a directory): the cached-token hot path in Swift and through the C ABI, and live reload.

  python bench/plot.py SAMPLES_DIR OUTPUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    with open(path) as f:
        return [float(line) for line in f if line.strip()]


def main():
    samples, output = sys.argv[1], sys.argv[2]
    panels = [("hot-swift-us.txt", "cached token, Swift (µs per call)"),
              ("hot-c-us.txt", "cached token, C ABI + hermes_free (µs per call)"),
              ("reload-ms.txt", "external rename → subscriber (ms)")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, (name, title) in zip(axes, panels):
        values = sorted(load(f"{samples}/{name}"))
        p50, p99 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]
        ax.hist(values, bins=50, color="#4477aa")
        ax.axvline(p50, color="#228833", label=f"p50 {p50:.3f}")
        ax.axvline(p99, color="#cc3311", label=f"p99 {p99:.3f}")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("samples")
        ax.legend()
    fig.suptitle("hermes OAuthManager latency distributions (bench/manager.sh)")
    fig.tight_layout()
    fig.savefig(output, dpi=90)


if __name__ == "__main__":
    main()
