#!/usr/bin/env bash
# Counts the round trips of every contender of the lock benchmarks (Redis commands, JDBC calls, ZooKeeper
# requests per acquire + release and per contended hand-over; distcore on Redis and PostgreSQL with and without the
# one-round-trip hand-over SPI) and prints them as a Markdown table: figures the
# machine's load cannot move. Starts a private redis-server on REDIS_COUNT_PORT (default 7411) and stops it
# afterwards, creates a private PostgreSQL database (PGHOST:PGPORT, user postgres) and drops it afterwards;
# ZooKeeper is an in-JVM TestingServer.
#
#   distcore-benchmarks/run-round-trip-counts.sh          about 2 minutes
set -euo pipefail

module_dir="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(dirname "$module_dir")"
jar="$module_dir/target/benchmarks.jar"
redis_port="${REDIS_COUNT_PORT:-7411}"
pg_host="${PGHOST:-127.0.0.1}"
pg_port="${PGPORT:-5432}"
database="distcore_round_trips_$$"
redis_dir="$(mktemp -d)"

if [[ ! -f "$jar" ]]; then
	echo "Building $jar"
	(cd "$root_dir" && ./mvnw -B -q -pl distcore-benchmarks -am -DskipTests package)
fi

cleanup() {
	if [[ -f "$redis_dir/redis.pid" ]]; then
		kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true
	fi
	dropdb --if-exists -h "$pg_host" -p "$pg_port" -U postgres "$database" 2>/dev/null || true
	rm -rf "$redis_dir"
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
	--pidfile "$redis_dir/redis.pid" --daemonize yes >/dev/null
for _ in $(seq 50); do
	[[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" == "PONG" ]] && break
	sleep 0.1
done
createdb -h "$pg_host" -p "$pg_port" -U postgres "$database"

java -Ddistcore.bench.redis.port="$redis_port" \
	-Ddistcore.bench.postgres.url="jdbc:postgresql://$pg_host:$pg_port/$database" \
	-cp "$jar" io.distcore.benchmarks.lock.RoundTripCounts 2>/dev/null | grep '^|'
