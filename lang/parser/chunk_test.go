package parser

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/netc-dev/netc/bench/gen"
)

// checkChunked parses src in 2 to 8 chunks of any size and sequentially: whenever the
// chunked parse gives a result it must be exactly the sequential one, and a file
// without errors that has a place to split must be parsed in chunks. It reports how
// many of the chunk counts were taken.
func checkChunked(t *testing.T, name string, src []byte) int {
	t.Helper()
	seq, sd := parseSequential(name, src)
	taken := 0
	for n := 2; n <= 8; n++ {
		f, ok := parseChunked(name, src, n, 1)
		if !ok {
			if len(sd) == 0 && len(splitPoints(src, n, 1)) > 0 {
				t.Fatalf("%s: %d chunks: refused a file without errors", name, n)
			}
			continue
		}
		taken++
		if len(sd) > 0 {
			t.Fatalf("%s: %d chunks: parsed a file with errors: %v", name, n, sd)
		}
		if !reflect.DeepEqual(f, seq) {
			for i := range min(len(f.Stmts), len(seq.Stmts)) {
				if !reflect.DeepEqual(f.Stmts[i], seq.Stmts[i]) {
					t.Fatalf("%s: %d chunks: statement %d differs\nchunked: %#v\nsequential: %#v", name, n, i, f.Stmts[i], seq.Stmts[i])
				}
			}
			t.Fatalf("%s: %d chunks: files differ: %d statements chunked, %d sequential; %d and %d comments",
				name, n, len(f.Stmts), len(seq.Stmts), len(f.Comments), len(seq.Comments))
		}
	}
	return taken
}

func TestChunkedParseMatchesSequential(t *testing.T) {
	taken := 0
	for name, src := range seedFiles(t) {
		taken += checkChunked(t, name, src)
	}
	if taken == 0 {
		t.Fatal("no seed file was parsed in chunks")
	}
	var b bytes.Buffer
	if err := gen.New(2000).WriteNetc(&b); err != nil {
		t.Fatal(err)
	}
	if checkChunked(t, "bench.net", b.Bytes()) != 7 {
		t.Fatal("the bench program was not parsed in every chunk count")
	}
}

// The entry point takes the chunked path for a large file, and its result is the
// sequential one.
func TestParseFileChunksLargeFiles(t *testing.T) {
	var b bytes.Buffer
	if err := gen.New(12000).WriteNetc(&b); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	src := b.Bytes()
	if chunks(src) != 2 {
		t.Fatalf("%d chunks for %d bytes on 2 cores", chunks(src), len(src))
	}
	if len(splitPoints(src, 2, chunkMin)) != 1 {
		t.Fatalf("a %d-byte file has no split point", len(src))
	}
	f, d := ParseFile("bench.net", src)
	seq, sd := parseSequential("bench.net", src)
	if !reflect.DeepEqual(d, sd) || !reflect.DeepEqual(f, seq) {
		t.Fatal("ParseFile differs from the sequential parse")
	}
}

// FuzzChunkedParse: for any input, parsing in chunks gives the sequential parse or
// declines.
//
//	go test -run '^$' -fuzz FuzzChunkedParse -fuzztime 2m -parallel 1 ./lang/parser/
func FuzzChunkedParse(f *testing.F) {
	for _, src := range seedFiles(f) {
		f.Add(src)
	}
	f.Add([]byte("namespace a {\nb -> c\n}\nd -> e # {\n\"x{\" -> y\n"))
	f.Add([]byte("a -> b\n}\nc -> d\n{\ne -> f\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkChunked(t, "f.net", src)
	})
}

func BenchmarkParseLarge(b *testing.B) {
	var buf bytes.Buffer
	if err := gen.New(50000).WriteNetc(&buf); err != nil {
		b.Fatal(err)
	}
	src := buf.Bytes()
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			parseSequential("bench.net", src)
		}
	})
	b.Run("chunked", func(b *testing.B) {
		for b.Loop() {
			ParseFile("bench.net", src)
		}
	})
}

// TestChunkedParseMutations runs checkChunked on the seed files with the characters
// that decide where a chunk may start (braces, quotes, comments, separators,
// backslashes, namespace blocks) inserted or deleted at random places: a fixed-seed
// complement to FuzzChunkedParse that every `go test` runs.
func TestChunkedParseMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	bits := []string{"{", "}", `"`, "#", "\n", ";", `\`, "\n}\n", "namespace x {\n", "\"a{\"", "# }\n", "\"\\\"\""}
	n := 0
	seeds := seedFiles(t)
	for _, name := range slices.Sorted(maps.Keys(seeds)) {
		src := seeds[name]
		for range 4 {
			b := slices.Clone(src)
			for range 1 + r.IntN(3) {
				at := r.IntN(len(b) + 1)
				if r.IntN(3) == 0 && at < len(b) {
					b = slices.Delete(b, at, at+1)
					continue
				}
				b = slices.Insert(b, at, []byte(bits[r.IntN(len(bits))])...)
			}
			n += checkChunked(t, name, b)
		}
	}
	if n == 0 {
		t.Fatal("no mutation was parsed in chunks")
	}
}
