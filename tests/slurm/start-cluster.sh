#!/usr/bin/env bash
# Starts a throwaway single-node Slurm cluster for the Slurm tests (CTest fixture "slurm",
# tests/integration/CMakeLists.txt); stop-cluster.sh stops and removes it.
#
# usage: tests/slurm/start-cluster.sh DIR
#
# DIR (created; a cluster left there by a crashed run is stopped and removed first) holds a munge
# key and socket, slurm.conf, the daemons' state, spool, pid and log files. munged, slurmctld and
# slurmd (Debian's munge and slurm-wlm: slurmctld, slurmd, slurm-client) run from DIR with their
# own ports (46817/46818, or $TS_SLURM_TEST_PORT and the next), so they never touch a system
# Slurm. DIR/slurm.env exports SLURM_CONF for the tests' sbatch, srun, squeue and scancel.
#
# slurmd launches jobs as their user and needs root for that: without root the fixture writes
# DIR/unavailable (the reason) and the tests skip with it.
set -euo pipefail

if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(realpath -m "$1")
port=${TS_SLURM_TEST_PORT:-46817}

"$here/stop-cluster.sh" "$dir" >/dev/null 2>&1 || true
mkdir -p "$dir/state" "$dir/spool"

if [[ $(id -u) -ne 0 ]]; then
  echo "slurmd must run as root to launch jobs; run the slurm tests as root" >"$dir/unavailable"
  echo "start-cluster: not root; the slurm tests will skip" >&2
  exit 0
fi
# slurmd loads its cgroup plugin whatever the process tracking: without a cgroup file system (a
# chroot, some containers) it cannot start, and the tests skip saying so.
cgroup_fs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo none)
if [[ $cgroup_fs != cgroup2fs && $cgroup_fs != tmpfs ]]; then
  echo "slurmd needs a cgroup file system at /sys/fs/cgroup, and this machine has none mounted" \
    "there ($cgroup_fs)" >"$dir/unavailable"
  echo "start-cluster: $(cat "$dir/unavailable"); the slurm tests will skip" >&2
  exit 0
fi
for program in munged slurmctld slurmd sbatch srun; do
  command -v "$program" >/dev/null || {
    echo "start-cluster: $program not found; install it with packaging/install-deps.sh" \
      "(Debian packages munge, slurmctld, slurmd, slurm-client)" >&2
    exit 1
  }
done

head -c 1024 /dev/urandom >"$dir/munge.key"
chmod 400 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"

# Addresses are given, not looked up: a fresh machine or container may not resolve its own name.
host=$(hostname -s)
cat >"$dir/slurm.conf" <<CONF
ClusterName=trainstudio-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/slurm.env"
export SLURM_CONF=$dir/slurm.conf
fail_with_logs() {
  echo "start-cluster: $1; the last lines of its log:" >&2
  tail -n 20 "$2" >&2 || true
  exit 1
}
slurmctld -i || fail_with_logs "slurmctld did not start" "$dir/slurmctld.log"
slurmd || fail_with_logs "slurmd did not start" "$dir/slurmd.log"

# Ready when the node takes jobs.
for _ in $(seq 1 100); do
  if sinfo --noheader --states=idle --format=%N 2>/dev/null | grep -q .; then
    echo "start-cluster: Slurm is up in $dir (node $host)"
    exit 0
  fi
  sleep 0.2
done
echo "start-cluster: the node did not become idle in 20 s; see $dir/slurmctld.log and slurmd.log" >&2
tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
