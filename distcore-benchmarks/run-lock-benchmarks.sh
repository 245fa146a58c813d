#!/usr/bin/env bash
# Runs the lock benchmarks (distcore next to Redisson, Spring Integration, ShedLock and Curator) against the
# servers already running on this machine, and keeps JMH's JSON and text output under results/.
#
#   distcore-benchmarks/run-lock-benchmarks.sh                         full run (< 15 min on 2 cores)
#   distcore-benchmarks/run-lock-benchmarks.sh -wi 1 -i 1 -w 1s -r 1s  quick smoke (~5 min)
#   distcore-benchmarks/run-lock-benchmarks.sh -- 'RedisLockBenchmark'  one family, default options
#
# Arguments before '--' go to JMH as options; one argument after '--' replaces the benchmark regex.
# Starts nothing: Redis (REDIS_HOST:REDIS_PORT) and PostgreSQL (PGHOST:PGPORT, database test, user postgres)
# must answer; ZooKeeper is an in-JVM TestingServer started by the benchmark itself.
set -euo pipefail

module_dir="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(dirname "$module_dir")"
jar="$module_dir/target/benchmarks.jar"
results="$module_dir/results"
redis_host="${REDIS_HOST:-127.0.0.1}"
redis_port="${REDIS_PORT:-6379}"
pg_host="${PGHOST:-127.0.0.1}"
pg_port="${PGPORT:-5432}"

regex='io\.distcore\.benchmarks\.lock\.'
jmh_options=()
while [[ $# -gt 0 ]]; do
	if [[ "$1" == "--" ]]; then
		shift
		regex="${1:?a benchmark regex must follow --}"
		shift
	else
		jmh_options+=("$1")
		shift
	fi
done

answers() {
	# bash's /dev/tcp needs no client tool; the protocol check below uses one when it is installed.
	timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

if ! answers "$redis_host" "$redis_port"; then
	echo "Redis does not answer on $redis_host:$redis_port; start it first (see the README)." >&2
	exit 1
fi
if command -v redis-cli >/dev/null && [[ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" != "PONG" ]]; then
	echo "Something answers on $redis_host:$redis_port but it does not reply PONG to PING." >&2
	exit 1
fi
if ! answers "$pg_host" "$pg_port"; then
	echo "PostgreSQL does not answer on $pg_host:$pg_port; start it first (see the README)." >&2
	exit 1
fi
if command -v pg_isready >/dev/null && ! pg_isready -q -h "$pg_host" -p "$pg_port" -d test -U postgres; then
	echo "PostgreSQL on $pg_host:$pg_port does not accept connections to database 'test' as 'postgres'." >&2
	exit 1
fi

if [[ ! -f "$jar" ]]; then
	echo "Building $jar"
	(cd "$root_dir" && ./mvnw -B -q -pl distcore-benchmarks -am -DskipTests package)
fi

mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json="$results/locks-$stamp.json"
text="$results/locks-$stamp.txt"
{
	echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), $(nproc) cores; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# java -jar $jar $regex ${jmh_options[*]:-}"
} > "$text"
java -jar "$jar" "$regex" "${jmh_options[@]}" -rf json -rff "$json" 2>&1 | tee -a "$text"
echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$text"
echo "Results: $json and $text"
