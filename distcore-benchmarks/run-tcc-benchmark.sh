#!/usr/bin/env bash
# Runs TccBenchmark: orders per second with TCC next to the same services with no protection, on the
# PostgreSQL of this machine (127.0.0.1:5432, database test, user postgres; override with PG_URL). Keeps JMH's
# JSON and text output and the load average before and after under results/.
#
#   distcore-benchmarks/run-tcc-benchmark.sh                 5 warm-up and 5 measurement iterations of 10 s per flow (~4 min)
#   distcore-benchmarks/run-tcc-benchmark.sh -wi 1 -i 1      quick smoke
#
# Runs from the module's class path rather than the shaded jar: the two services are Spring Boot applications,
# whose auto-configuration lists a shaded jar would merge badly.
set -euo pipefail

module_dir="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(dirname "$module_dir")"
results="$module_dir/results"
pg_url="${PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}"

cd "$root_dir"
./mvnw -B -q -pl distcore-benchmarks -am install -DskipTests
./mvnw -B -q -pl distcore-benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="$module_dir/target/classes:$(cat "$module_dir/target/classpath.txt")"

mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$results/tcc-$stamp"
echo "load before: $(cat /proc/loadavg)" | tee "$out.load"
java -cp "$classpath" -Ddistcore.benchmark.postgres-url="$pg_url" org.openjdk.jmh.Main \
	-jvmArgs "-Ddistcore.benchmark.postgres-url=$pg_url" -rf json -rff "$out.json" "$@" \
	'io\.distcore\.benchmarks\.tcc\.' | tee "$out.txt"
echo "load after: $(cat /proc/loadavg)" | tee -a "$out.load"
echo "results: $out.txt, $out.json, $out.load"
