#!/bin/sh
# Started detached by the harness for each run: when the owning process dies
# without cleaning up (SIGKILL, a crash), kill the run's children and remove its
# folder within a second or two. Exits quietly once the folder is gone (a normal stop).
owner="$1"
run_dir="$2"
while kill -0 "$owner" 2>/dev/null && [ -d "$run_dir" ]; do sleep 1; done
[ -d "$run_dir" ] || exit 0
if [ -f "$run_dir/children.pids" ]; then
  while read -r pid; do
    [ -n "$pid" ] || continue
    # Only a process that still points into the run folder (cmdline or cwd): never a reused pid.
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$run_dir" \
      || readlink "/proc/$pid/cwd" 2>/dev/null | grep -qF "$run_dir"; then
      kill -9 "$pid" 2>/dev/null
    fi
  done <"$run_dir/children.pids"
fi
rm -rf "$run_dir"
