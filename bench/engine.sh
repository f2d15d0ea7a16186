#!/usr/bin/env bash
# bench/engine.sh — the reading verbs against netc build, side by side in one run, on
# the bench/gen workload of N services (default 50,000): netc connectivity, netc diff
# of the workload and a version of it with 1% of the intents calling another service
# (gengen -vary 100), and netc explain of one pair (compile included). Prints a
# Markdown table: median wall and CPU of RUNS runs (default 3), peak RSS, and each
# verb's ratio to netc build.
#
#   bench/engine.sh            # N = 50000
#   RUNS=5 bench/engine.sh 10000
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-3}
n=${1:-50000}
calc() { awk "BEGIN { print $1 }"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/netc" ./cmd/netc
go build -o "$work/gengen" ./bench/cmd/gengen
go build -o "$work/measure" ./bench/cmd/measure
"$work/gengen" -n "$n" >"$work/a.net"
"$work/gengen" -n "$n" -vary 100 >"$work/b.net"
# The first intent of the first service: an open pair.
pair=$(awk '/->/ { print $1, $3; exit }' "$work/a.net")
src=team-0000/${pair%% *}
dst=${pair#* }
case $dst in */*) ;; *) dst=team-0000/$dst ;; esac

echo "bench/gen, $n services; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | median wall | median CPU | peak RSS | wall / build | CPU / build |"
echo "|---|---:|---:|---:|---:|---:|"
row() {
	local label=$1 want=$2
	shift 2
	IFS=$'\t' read -r _ got med _ mcpu rss status < <("$work/measure" -runs "$runs" -exit "$want" -label "$label" -- "$@")
	if [ "$status" != "$want" ]; then
		echo "$label failed (exit $status)" >&2
		exit 1
	fi
	if [ "$label" = "netc build" ]; then bwall=$med bcpu=$mcpu; fi
	printf "| %s | %.2f s | %.2f s | %d MB | %.2f× | %.2f× |\n" "$label" "$med" "$mcpu" "$rss" \
		"$(calc "$med / $bwall")" "$(calc "$mcpu / $bcpu")"
}
row "netc build" 0 "$work/netc" build "$work/a.net" -o "$work/out"
row "netc connectivity" 0 "$work/netc" connectivity "$work/a.net"
row "netc diff (1% of intents)" 1 "$work/netc" diff "$work/a.net" "$work/b.net"
row "netc explain (one pair)" 0 "$work/netc" explain "$src" "$dst" "$work/a.net"
