#!/usr/bin/env bash
# CI: a real one-node Slurm cluster on this machine runs a sharded batch as a job array, one task
# is SIGKILLed mid-pair and resubmitted, and Tests/cluster/slurm_array_check.py checks the result
# (every pair written exactly once, outputs byte-identical to a one-process run, manifests agree,
# no temporary files). Then the Kubernetes manifest checks (pytest, Tests/cluster).
# Needs the release build (.ci/run builds it first); installs Slurm and munge if missing; starts
# munged, slurmctld and slurmd and stops each by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export STYLIZE_BINARY=${STYLIZE_BINARY:-$(swift build -c release --show-bin-path)/stylize}
[ -x "$STYLIZE_BINARY" ] || { echo "error: $STYLIZE_BINARY not built (swift build -c release first)" >&2; exit 1; }

need=()
for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
python3 -c "import yaml" 2>/dev/null || python3 -m pip install -q pyyaml

work=$(mktemp -d /tmp/stylize-slurm-XXXXXX)
chmod 755 "$work"
pids=()
stop_daemons() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ $status -ne 0 ]; then
    for log in munged.out slurmctld.log slurmd.log; do echo "--- $log (tail)"; tail -20 "$work/$log" 2>/dev/null || true; done
    for log in "$work"/batch/logs/*.out; do [ -f "$log" ] && { echo "--- $log"; tail -5 "$log"; }; done
  fi
  rm -rf "$work"
  exit $status
}
trap stop_daemons EXIT

# munge: the key comes with the package (created here if not), the daemon runs as munge.
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
fi
socket=/run/munge/munge.socket.2
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground --force >"$work/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
munge -n </dev/null | unmunge >/dev/null || { echo "error: munged did not start" >&2; tail -5 /var/log/munge/munged.log >&2 || true; exit 1; }

# Slurm: one node (this host, its real CPUs and memory from slurmd -C), ports picked free.
host=$(hostname -s)
read -r ctld_port slurmd_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$work/state" "$work/spool"
node_line=$(slurmd -C | head -1)
cat > "$work/slurm.conf" <<CONF
ClusterName=stylizeci
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
$node_line State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld -D -i >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D >"$work/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 120); do
  state=$(sinfo -h -N -n "$host" -o %t 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 0.5
done
[ "$state" = "idle" ] || { echo "error: the Slurm node is '$state', not idle, after 60 s" >&2; exit 1; }
echo "slurm: node $host idle ($node_line)"

python3 Tests/cluster/slurm_array_check.py --work "$work/batch" --binary "$STYLIZE_BINARY" \
  --sbatch "$root/tools/slurm/stylize-array.sbatch"
python3 -m pytest -q Tests/cluster
