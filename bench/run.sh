#!/usr/bin/env bash
# bench/run.sh — time `netc build` on the generated workload (bench/gen: N services in
# N/50 namespaces, each calling 5 others) and print a Markdown table: median and best
# wall time, median CPU time (user + system) and peak RSS over RUNS runs, the growth
# 10k / 2k, and `netc check` of a 1,000-line file including process start.
#
#   bench/run.sh                 # N = 2000 10000 50000, 5 runs each
#   RUNS=3 bench/run.sh 2000 10000
#
# Everything is built and generated in a temporary directory; nothing in the repository
# changes. The first run of each size writes into an empty output directory, the others
# replace what it wrote (as a build on every commit does). Wall time depends on what
# else the machine runs: the header prints the load average; CPU time depends less on it.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(2000 10000 50000); fi

# calc EXPR prints the value of an arithmetic expression (awk: bc is not everywhere).
calc() { awk "BEGIN { print $1 }"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/netc" ./cmd/netc
go build -o "$work/gengen" ./bench/cmd/gengen
go build -o "$work/measure" ./bench/cmd/measure

for n in "${sizes[@]}"; do
	"$work/gengen" -n "$n" >"$work/in-$n.net"
done
# About 1,000 lines: 165 services, a declaration and 5 intents each.
"$work/gengen" -n 165 >"$work/check.net"

echo "netc build, bench/gen workload; $(nproc) CPUs; $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
echo
echo "| services | input | median wall | best wall | median CPU | peak RSS |"
echo "|---:|---:|---:|---:|---:|---:|"
declare -A wall cpu
for n in "${sizes[@]}"; do
	line=$("$work/measure" -runs "$runs" -label "$n" -- "$work/netc" build "$work/in-$n.net" -o "$work/out-$n")
	IFS=$'\t' read -r _ got med best mcpu rss status <<<"$line"
	if [ "$status" != 0 ]; then
		echo "netc build failed at N=$n (exit $status)" >&2
		exit 1
	fi
	size=$(du -k "$work/in-$n.net" | cut -f1)
	wall[$n]=$med
	cpu[$n]=$mcpu
	printf "| %'d | %.1f MB | %.2f s | %.2f s | %.2f s | %d MB |\n" "$n" "$(calc "$size / 1024")" "$med" "$best" "$mcpu" "$rss"
done
echo
if [ -n "${wall[2000]:-}" ] && [ -n "${wall[10000]:-}" ]; then
	printf "growth 10k / 2k: %.1f× wall, %.1f× CPU (linear: 5×; target ≤ 6×)\n" \
		"$(calc "${wall[10000]} / ${wall[2000]}")" "$(calc "${cpu[10000]} / ${cpu[2000]}")"
fi
if [ -n "${wall[10000]:-}" ]; then
	printf "10k: %.1f× the 0.22 s of the direct-text YAML emitter of issue 5 (target ≤ 5×)\n" "$(calc "${wall[10000]} / 0.22")"
fi
line=$("$work/measure" -runs 20 -label check -- "$work/netc" check "$work/check.net")
IFS=$'\t' read -r _ _ med best _ rss status <<<"$line"
printf "netc check, %d-line file, process start included: median %.0f ms, best %.0f ms, %d MB (target < 30 ms)\n" \
	"$(wc -l <"$work/check.net")" "$(calc "$med * 1000")" "$(calc "$best * 1000")" "$rss"
