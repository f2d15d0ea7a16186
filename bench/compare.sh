#!/usr/bin/env bash
# bench/compare.sh — render the same NetworkPolicies with `netc build`, `helm template`
# and `cue export` for the bench/gen workload, check they are the same policies
# (bench/cmd/policydiff), and time all three in one run: median wall time and peak RSS.
#
#   bench/compare.sh             # N = 2000 10000, 3 runs each
#   RUNS=1 CUE_TIMEOUT=10m bench/compare.sh 2000 10000 50000
#
# helm v3.22.0 and cue v0.17.1 are installed with `go install` from the Go module proxy
# into a temporary GOBIN (set TOOLS=DIR to keep them between runs). The chart and the
# CUE program are bench/compare/; their data is generated from the same workload as
# the netc source. cue export needs gigabytes from 10,000 services on (4.9 GB at
# 10,000 in issue 5's measurements): it runs only up to CUE_MAX services (default
# 10000), and a run past CUE_TIMEOUT (default 5m) is killed and reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

runs=${RUNS:-3}
cue_timeout=${CUE_TIMEOUT:-5m}
cue_max=${CUE_MAX:-10000}
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(2000 10000); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tools=${TOOLS:-$work/bin}
mkdir -p "$tools"

if [ ! -x "$tools/helm" ]; then
	echo "installing helm v3.22.0 into $tools" >&2
	(cd "$work" && GOFLAGS= GOBIN="$tools" go install helm.sh/helm/v3/cmd/helm@v3.22.0)
fi
if [ ! -x "$tools/cue" ]; then
	echo "installing cue v0.17.1 into $tools" >&2
	(cd "$work" && GOFLAGS= GOBIN="$tools" go install cuelang.org/go/cmd/cue@v0.17.1)
fi

go build -o "$work/netc" ./cmd/netc
go build -o "$work/gengen" ./bench/cmd/gengen
go build -o "$work/measure" ./bench/cmd/measure
go build -o "$work/policydiff" ./bench/cmd/policydiff

# cell LINE prints "median wall, peak RSS" from a measure line, or what went wrong.
cell() {
	local label got med best cpu rss status
	IFS=$'\t' read -r label got med best cpu rss status <<<"$1"
	case "$status" in
	0) printf "%.2f s, %d MB" "$med" "$rss" ;;
	timeout) printf "> %s (killed)" "$cue_timeout" ;;
	skipped) printf "not run (CUE_MAX=%s)" "$cue_max" ;;
	*) printf "failed (exit %s)" "$status" ;;
	esac
}

echo "same NetworkPolicies, bench/gen workload; $(nproc) CPUs; $(go version | cut -d' ' -f3); load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime); $runs runs (median wall, peak RSS)"
echo
# same LABEL A B records that A and B hold the same NetworkPolicies, or stops.
checks=""
same() {
	local out
	if ! out=$("$work/policydiff" "$2" "$3"); then
		printf "%s: not the same policies:\n%s\n" "$1" "$out" >&2
		exit 1
	fi
	checks+="$1: ${out//$work\//}"$'\n'
}

echo "| services | netc build | helm template | cue export |"
echo "|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
	d=$work/$n
	mkdir -p "$d"
	"$work/gengen" -n "$n" >"$d/in.net"
	cp -r "$repo/bench/compare/chart" "$d/chart"
	# Passed with -f: Helm refuses chart files over 5 MB, and values.yaml is 25 MB at 50,000.
	"$work/gengen" -n "$n" -format helm >"$d/values.yaml"
	cp "$repo/bench/compare/policies.cue" "$d/policies.cue"
	"$work/gengen" -n "$n" -format cue >"$d/data.cue"

	netc=$("$work/measure" -runs "$runs" -label netc -- "$work/netc" build "$d/in.net" -o "$d/out")
	helm=$("$work/measure" -runs "$runs" -label helm -stdout "$d/helm.yaml" -- "$tools/helm" template bench "$d/chart" -f "$d/values.yaml")
	if [ "$n" -le "$cue_max" ]; then
		cue=$(cd "$d" && "$work/measure" -runs "$runs" -label cue -timeout "$cue_timeout" -stdout "$d/cue.yaml" -- \
			"$tools/cue" export -e objects --out yaml policies.cue data.cue)
	else
		cue="cue	0	0	0	0	0	skipped"
	fi

	# The timings count only if all three rendered the same policies.
	for r in "$netc" "$helm"; do
		case "$r" in *$'\t'0) ;; *) echo "N=$n: ${r%%$'\t'*} failed: $r" >&2; exit 1 ;; esac
	done
	same "helm, N=$n" "$d/out/kubernetes" "$d/helm.yaml"
	case "$cue" in *$'\t'0) same "cue, N=$n" "$d/out/kubernetes" "$d/cue.yaml" ;; esac

	echo "| $n | $(cell "$netc") | $(cell "$helm") | $(cell "$cue") |"
	rm -rf "$d"
done
echo
printf "%s" "$checks"
