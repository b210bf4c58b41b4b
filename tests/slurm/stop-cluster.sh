#!/usr/bin/env bash
# Stops the cluster tests/slurm/start-cluster.sh started in DIR and removes DIR.
# usage: tests/slurm/stop-cluster.sh DIR
set -uo pipefail
if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$(realpath -m "$1")
[[ -d $dir ]] || exit 0
if [[ -f $dir/slurm.conf ]]; then
  SLURM_CONF=$dir/slurm.conf scancel --user="$(id -un)" 2>/dev/null
  SLURM_CONF=$dir/slurm.conf scontrol shutdown 2>/dev/null
fi
for pidfile in slurmd.pid slurmctld.pid munged.pid; do
  if [[ -f $dir/$pidfile ]]; then
    pid=$(cat "$dir/$pidfile")
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      [[ $_ -eq 1 && $pidfile == munged.pid ]] && kill "$pid" 2>/dev/null
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
  fi
done
rm -rf "$dir"
