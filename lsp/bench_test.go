package lsp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netc-dev/netc/bench/gen"
)

// benchProgram writes the bench/gen program of n services into dir, one file per
// namespace block (the way a team splits a large program), and returns the files'
// names in order.
func benchProgram(tb testing.TB, dir string, n int) []string {
	var buf bytes.Buffer
	if err := gen.New(n).WriteNetc(&buf); err != nil {
		tb.Fatal(err)
	}
	parts := strings.Split(buf.String(), "\nnamespace ")
	var names []string
	for i, p := range parts[1:] {
		name := fmt.Sprintf("ns-%04d.net", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte("namespace "+p), 0o644); err != nil {
			tb.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// editLoop measures edit-to-diagnostics: each iteration changes one line of uri,
// alternating between an intent with a port and one without (the any-port warning),
// so every edit changes the file's diagnostics, and waits for their publication.
// It reports the wait for the first publication of the edit (first-ms/op), the CPU
// time the process spent until then (first-cpu-ms/op: on a shared machine, what the
// edit costs more than what the neighbours leave of the cores), the CPU time of the
// whole edit (cpu-ms/op); ns/op is the whole edit. The compiler's diagnostics are all
// the server publishes, once per edit.
func editLoop(b *testing.B, c *client, uri string, line int, text string) {
	withPort := strings.TrimRight(text, "\n")
	without := withPort[:strings.LastIndexByte(withPort, ':')]
	for len(c.pubs) > 0 {
		<-c.pubs
	}
	v := 1
	var first, firstWall time.Duration
	cpu := cpuTime()
	for b.Loop() {
		v++
		next := without
		if v%2 == 1 {
			next = withPort
		}
		before, start := cpuTime(), time.Now()
		c.change(uri, v, TextDocumentContentChangeEvent{
			Range: &Range{Start: Position{line, 0}, End: Position{line, len(withPort) + 1}}, Text: next})
		p := <-c.pubs
		firstWall += time.Since(start)
		first += cpuTime() - before
		anyPort := slices.ContainsFunc(p.Diagnostics, func(d Diagnostic) bool { return d.Code == "any-port" })
		if p.URI != uri || anyPort != (next == without) {
			b.Fatalf("published %s: %d diagnostics, any-port %v", p.URI, len(p.Diagnostics), anyPort)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-cpu-ms/op")
	b.ReportMetric(float64(firstWall.Microseconds())/1000/float64(b.N), "first-ms/op")
}

// BenchmarkEdit1000 is edit-to-diagnostics for a program of one 1,000-line file
// (target: under 10 ms).
func BenchmarkEdit1000(b *testing.B) {
	dir := b.TempDir()
	var buf bytes.Buffer
	gen.New(160).WriteNetc(&buf)
	src := buf.String()
	if n := strings.Count(src, "\n"); n < 950 || n > 1050 {
		b.Fatalf("%d lines", n)
	}
	os.WriteFile(filepath.Join(dir, "bench.net"), buf.Bytes(), 0o644)
	c := startServer(b, dir, Options{})
	uri := c.openText("bench.net", src)
	c.settle()
	lines := strings.Split(src, "\n")
	line := 500
	for !strings.Contains(lines[line], "->") {
		line++
	}
	editLoop(b, c, uri, line, lines[line])
	c.shutdown()
}

// BenchmarkEdit50k is edit-to-diagnostics for the 50,000-service bench program (300,000
// lines in 1,000 files; target under 1 s): only the edited file is parsed again.
func BenchmarkEdit50k(b *testing.B) {
	dir := b.TempDir()
	names := benchProgram(b, dir, 50000)
	c := startServer(b, dir, Options{})
	name := names[len(names)/2]
	data, _ := os.ReadFile(filepath.Join(dir, name))
	uri := c.openText(name, string(data))
	c.settle()
	lines := strings.Split(string(data), "\n")
	line := 100
	for !strings.Contains(lines[line], "->") {
		line++
	}
	editLoop(b, c, uri, line, lines[line])
	c.shutdown()
}

// cpuTime is the process's user and system CPU time: on a shared machine it measures
// the server (and the small client) more than the neighbours do.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
