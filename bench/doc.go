// Package bench holds netc's scale benchmarks: parse, compile and full build of the
// generated workload (package bench/gen) at 2,000, 10,000 and 50,000 services.
//
//	go test -run '^$' -bench . -benchmem ./bench/
//
// bench/run.sh times the real `netc build` binary (wall time and peak RSS) and
// bench/compare.sh times helm template and cue export on the same policies.
package bench
