# Sourced by the bench scripts. `{ ...; } | record NAME` prints a run's tables and keeps them in
# bench/results/NAME.md, moving the run before to bench/results/NAME.previous.md (both are
# committed), then prints that previous run too, so a regression shows side by side.
record() {
  local name="$1" dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/results"
  mkdir -p "$dir"
  local latest="$dir/$name.md" previous="$dir/$name.previous.md" fresh
  fresh="$(mktemp)"
  tee "$fresh"
  if [ -f "$latest" ]; then mv "$latest" "$previous"; fi
  mv "$fresh" "$latest"
  if [ -f "$previous" ]; then
    printf '\n---- previous run (bench/results/%s.previous.md) ----\n' "$name"
    cat "$previous"
  fi
}
