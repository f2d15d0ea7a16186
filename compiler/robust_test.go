package compiler_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netc-dev/netc/bench/gen"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/lexer"
	"github.com/netc-dev/netc/lang/parser"
)

// Hostile inputs end in bounded time with a clear diagnostic and a bounded number of
// diagnostics; none panics. The limits are documented in docs/performance.md. The
// 100 MB file of the robustness list is refused by the CLI before it is read
// (cmd/netc's MaxFileSize); here a 20 MB file checks the compiler stays linear.

// deadline is generous: the machine is shared; a hang or a quadratic blow-up takes
// minutes, not seconds.
const deadline = 2 * time.Minute

// maxDiags bounds what a file can produce: lexical errors, syntax errors, and a few
// file-level ones.
const maxDiags = lexer.MaxErrors + parser.MaxErrors + 10

func compileWithin(t *testing.T, src []byte) (*ir.Program, diag.List) {
	t.Helper()
	type result struct {
		p *ir.Program
		d diag.List
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		p, d := compiler.Compile([]compiler.Source{{Name: "hostile.net", Data: src}}, compiler.Options{})
		done <- result{p, d}
	}()
	select {
	case r := <-done:
		t.Logf("%d bytes compiled in %v: %d diagnostics", len(src), time.Since(start).Round(time.Millisecond), len(r.d))
		return r.p, r.d
	case <-time.After(deadline):
		t.Fatalf("compile of %d bytes still running after %v", len(src), deadline)
		return nil, nil
	}
}

// wantError checks the program was refused with a bounded number of diagnostics, one of
// which contains msg.
func wantError(t *testing.T, p *ir.Program, d diag.List, msg string) {
	t.Helper()
	if p != nil || !d.HasErrors() {
		t.Fatalf("compiled without error; want %q", msg)
	}
	if len(d) > maxDiags {
		t.Errorf("%d diagnostics, more than the bound %d", len(d), maxDiags)
	}
	for _, x := range d {
		if strings.Contains(x.Message, msg) {
			return
		}
	}
	t.Errorf("no diagnostic contains %q; first: %v", msg, d[0])
}

func TestNestedBlocks(t *testing.T) {
	const n = 200_000
	cases := []struct {
		name, open, close, msg string
	}{
		{"braces", "{", "}", fmt.Sprintf("blocks nested more than %d deep", parser.MaxDepth)},
		{"services", "service a {\n", "}\n", fmt.Sprintf("blocks nested more than %d deep", parser.MaxDepth)},
		{"namespaces", "namespace a {\n", "}\n", "namespace blocks do not nest"},
		{"unclosed", "{", "", "nested more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Repeat(c.open, n) + strings.Repeat(c.close, n)
			p, d := compileWithin(t, []byte(src))
			wantError(t, p, d, c.msg)
		})
	}
	p, d := compileWithin(t, []byte("service a {\n  port http 80\n"))
	wantError(t, p, d, "never closed")
}

func TestHugeName(t *testing.T) {
	name := strings.Repeat("n", 10<<20)
	for _, c := range []struct{ name, src, msg string }{
		{"bare", name + " -> b:80\n", fmt.Sprintf("name is %d bytes long; the limit is %d", len(name), lexer.MaxNameLen)},
		{"quoted", `"` + name + `" -> b:80` + "\n", fmt.Sprintf("quoted name is %d bytes long", len(name))},
		{"target", "a -> " + name + ":80\n", "bytes long"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, d := compileWithin(t, []byte(c.src))
			wantError(t, p, d, c.msg)
			for _, x := range d {
				if len(x.Message) > 500 {
					t.Errorf("diagnostic of %d bytes: it should not repeat the name", len(x.Message))
				}
			}
		})
	}
}

func TestBadBytes(t *testing.T) {
	for _, c := range []struct{ name, src, msg string }{
		{"nul", "a -> b:80\x00\n", "NUL byte"},
		{"nul-in-name", "a -> \"b\x00\":80\n", "NUL byte in quoted name"},
		{"nuls", strings.Repeat("\x00", 1<<20), "too many lexical errors"},
		{"utf8", "\xff\xfe -> b:80\n", "invalid UTF-8 byte 0xff"},
		{"utf8-quoted", "\"a\xffb\" -> b:80\n", "not valid UTF-8"},
		{"utf8-comment", "a -> b:80 # \xff\n", "comment is not valid UTF-8"},
		{"utf8-many", strings.Repeat("\xff", 1<<20), "too many lexical errors"},
		{"overlong", "a -> \xc0\xaf:80\n", "invalid UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, d := compileWithin(t, []byte(c.src))
			wantError(t, p, d, c.msg)
		})
	}
}

func TestManySyntaxErrors(t *testing.T) {
	src := strings.Repeat("a ->\n", 100_000)
	p, d := compileWithin(t, []byte(src))
	wantError(t, p, d, "too many syntax errors")
	if n := d.Count(diag.Error); n != parser.MaxErrors {
		t.Errorf("%d errors, want the cap %d", n, parser.MaxErrors)
	}
	if last := d[len(d)-1]; !strings.Contains(last.Message, "giving up") {
		t.Errorf("last diagnostic %q does not say the rest was skipped", last.Message)
	}
}

func TestManyPorts(t *testing.T) {
	var b strings.Builder
	b.WriteString("a -> b:1")
	for i := 2; i <= 60_000; i++ {
		fmt.Fprintf(&b, ", %d", i)
	}
	b.WriteString("\n")
	p, d := compileWithin(t, []byte(b.String()))
	if p == nil {
		t.Fatalf("60,000 ports refused: %v", d.Err())
	}
	if len(p.Edges) != 1 || len(p.Edges[0].Ports) != 60_000 {
		t.Fatalf("got %d edges, want one with 60,000 ports", len(p.Edges))
	}
	// Out of range ports are each an error, bounded like any other.
	p, d = compileWithin(t, []byte(strings.Replace(b.String(), ", 60000", ", 70000", 1)))
	wantError(t, p, d, "70000")
}

// TestLongStatements checks statements past parser.MaxStatementTokens, and long ones
// the fast path does not take, are refused quickly with a message.
func TestLongStatements(t *testing.T) {
	src := "a -> b:" + strings.Repeat("1, ", 1_100_000) + "1\n"
	p, d := compileWithin(t, []byte(src))
	wantError(t, p, d, fmt.Sprintf("the limit is %d", parser.MaxStatementTokens))
	// Long statements that do not parse: the slow parser's budget runs out.
	src = strings.Repeat("a -> b:"+strings.Repeat("1, ", 20_000)+"x x\n", 20)
	p, d = compileWithin(t, []byte(src))
	wantError(t, p, d, "no detail")
	if n := d.Count(diag.Error); n != 20 {
		t.Errorf("%d errors for 20 bad statements", n)
	}
	for _, x := range d {
		if strings.Contains(x.Message, "participle") || strings.Contains(x.Message, "sub-expression") {
			t.Errorf("participle's own words reach the user: %q", x.Message)
		}
	}
}

func TestBigFiles(t *testing.T) {
	const size = 20 << 20
	t.Run("comments", func(t *testing.T) {
		line := "# " + strings.Repeat("c", 78) + "\n"
		p, d := compileWithin(t, []byte(strings.Repeat(line, size/len(line))))
		if p == nil {
			t.Fatalf("a file of comments refused: %v", d.Err())
		}
	})
	t.Run("garbage", func(t *testing.T) {
		p, d := compileWithin(t, bytes.Repeat([]byte("@"), size))
		wantError(t, p, d, "too many lexical errors")
	})
	t.Run("one-line", func(t *testing.T) {
		p, d := compileWithin(t, bytes.Repeat([]byte("a "), size/2))
		wantError(t, p, d, "")
	})
}

// TestLinear compiles the benchmark workload at two sizes and checks the bytes the
// compiler allocates grow in proportion: a quadratic step would show as a ratio far
// above 4. (Allocation is counted rather than time: it does not depend on what else
// the machine is running.)
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles 12,000 services")
	}
	alloc := func(n int) uint64 {
		var buf bytes.Buffer
		if err := gen.New(n).WriteNetc(&buf); err != nil {
			t.Fatal(err)
		}
		src := buf.Bytes()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p, d := compileWithin(t, src)
		runtime.ReadMemStats(&after)
		if p == nil {
			t.Fatal(d.Err())
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, big := alloc(2_500), alloc(10_000)
	ratio := float64(big) / float64(small)
	t.Logf("allocated %d MB for 2,500 services, %d MB for 10,000: ratio %.2f", small>>20, big>>20, ratio)
	if ratio > 4.6 {
		t.Errorf("allocation grows faster than the input: ratio %.2f for 4x the services", ratio)
	}
}
