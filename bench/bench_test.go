package bench_test

import (
	"bytes"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netc-dev/netc/backends"
	"github.com/netc-dev/netc/bench/gen"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/lang/parser"
)

var sizes = []int{2000, 10000, 50000}

var (
	srcMu    sync.Mutex
	srcCache = map[int][]byte{}
)

// source returns the generated netc program of n services.
func source(tb testing.TB, n int) []byte {
	srcMu.Lock()
	defer srcMu.Unlock()
	if b, ok := srcCache[n]; ok {
		return b
	}
	var buf bytes.Buffer
	if err := gen.New(n).WriteNetc(&buf); err != nil {
		tb.Fatal(err)
	}
	srcCache[n] = buf.Bytes()
	return buf.Bytes()
}

// cpuTime is the process's user+system CPU time so far. The benchmarks report it per
// operation beside ns/op: on a shared machine wall time measures the neighbours too,
// CPU time mostly measures netc (it includes the garbage collector's workers).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs op b.N times and reports CPU ms per operation.
func loop(b *testing.B, op func()) {
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		op()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n)/1e6, "cpu-ms/op")
	}
}

func name(n int) string { return fmt.Sprintf("N=%dk", n/1000) }

func BenchmarkParse(b *testing.B) {
	for _, n := range sizes {
		src := source(b, n)
		b.Run(name(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			loop(b, func() {
				f, d := parser.ParseFile("bench.net", src)
				if len(d) > 0 || len(f.Stmts) == 0 {
					b.Fatalf("parse: %d statements, %v", len(f.Stmts), d.Err())
				}
			})
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range sizes {
		src := source(b, n)
		b.Run(name(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			loop(b, func() {
				p, d := compiler.Compile([]compiler.Source{{Name: "bench.net", Data: src}}, compiler.Options{})
				if p == nil {
					b.Fatal(d.Err())
				}
				if len(p.Services) != n {
					b.Fatalf("%d services, want %d", len(p.Services), n)
				}
			})
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range sizes {
		src := source(b, n)
		b.Run(name(n), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			loop(b, func() {
				p, d := compiler.Compile([]compiler.Source{{Name: "bench.net", Data: src}}, compiler.Options{})
				if p == nil {
					b.Fatal(d.Err())
				}
				files, d := backends.Build(p, nil)
				if d.HasErrors() || len(files) == 0 {
					b.Fatalf("build: %d files, %v", len(files), d.Err())
				}
			})
		})
	}
}
