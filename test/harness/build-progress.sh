# Progress of a cold build from Go modules, sourced by the build-*.sh scripts: a first
# build takes minutes, so each step says which binary it builds, which step of how
# many, and every 20 s how many packages `go build -v` has compiled so far of how
# many the binary needs, with the elapsed time, instead of printing nothing.
#   progress_init <prefix> <total steps>
#   progress_build <label> <go build args...>   (runs go build -v with a heartbeat)

progress_init() {
  progress_prefix="$1"
  progress_total="$2"
  progress_step=0
  progress_start=$(date +%s)
}

progress_elapsed() {
  local s=$(( $(date +%s) - progress_start ))
  printf '%dm%02ds' $(( s / 60 )) $(( s % 60 ))
}

progress_log() { printf '[%s] %s\n' "$progress_prefix" "$*" >&2; }

# progress_build <label> <output> <ldflags> <package...>: go build -trimpath -v, with a
# heartbeat; the total is what `go list -deps` names (stdlib included, so an estimate).
progress_build() {
  local label="$1" output="$2" ldflags="$3"; shift 3
  progress_step=$(( progress_step + 1 ))
  local total
  total="$(go list -deps "$@" 2>/dev/null | grep -c . || true)"
  progress_log "building $label ($progress_step/$progress_total, ~${total:-?} packages, $(progress_elapsed) elapsed)..."
  local count_file
  count_file="$(mktemp)"
  # `go build -v` prints each package it compiles, one name a line (no spaces).
  (
    while sleep 20; do
      progress_log "  building $label ($progress_step/$progress_total): $(grep -c '^[^ ]*$' "$count_file" || true)/${total:-?} packages compiled, $(progress_elapsed) elapsed"
    done
  ) &
  local beat=$!
  local rc=0
  go build -trimpath -v -ldflags="$ldflags" -o "$output" "$@" 2>"$count_file" || rc=$?
  kill "$beat" 2>/dev/null || true
  wait "$beat" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    grep ' ' "$count_file" >&2 || cat "$count_file" >&2
    rm -f "$count_file"
    return "$rc"
  fi
  rm -f "$count_file"
  progress_log "built $label ($progress_step/$progress_total) at $(progress_elapsed)"
}
