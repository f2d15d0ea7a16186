package format_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/format"
	"github.com/netc-dev/netc/lang/parser"
)

var update = os.Getenv("NETC_UPDATE") == "1"

// TestGolden formats the `in.net` section of every testdata/*.txtar and compares the
// result with its `out.net` section (or, for input with syntax errors, the diagnostics
// with its `errors` section). Every output must also format to itself. NETC_UPDATE=1
// rewrites the expected sections.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			in := section(ar, "in.net")
			if in == nil {
				t.Fatal("no in.net section")
			}
			got, diags := format.Source("in.net", in)
			name, want := "out.net", got
			if diags.HasErrors() {
				if got != nil {
					t.Errorf("Source returned output for a file with errors")
				}
				name, want = "errors", []byte(diagText(diags))
			} else {
				checkIdempotent(t, "in.net", got)
				checkSameProgram(t, []file{{"in.net", in, got}}, nil)
			}
			if section(ar, "out.net") != nil && section(ar, "errors") != nil {
				t.Fatal("a case has out.net or errors, not both")
			}
			if update {
				ar.Files = slices.DeleteFunc(ar.Files, func(f txtar.File) bool { return f.Name == "out.net" || f.Name == "errors" })
				ar.Files = append(ar.Files, txtar.File{Name: name, Data: want})
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp := section(ar, name)
			if exp == nil {
				t.Fatalf("no %s section (NETC_UPDATE=1 writes it)", name)
			}
			if !bytes.Equal(exp, want) {
				t.Errorf("%s differs (-want +got):\n%s", name, diff.Diff("want", exp, "got", want))
			}
		})
	}
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func diagText(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// checkIdempotent demands that formatted source formats to itself.
func checkIdempotent(t *testing.T, name string, formatted []byte) {
	t.Helper()
	again, diags := format.Source(name, formatted)
	if diags.HasErrors() {
		t.Fatalf("formatted output does not parse:\n%s\n--- output ---\n%s", diagText(diags), formatted)
	}
	if !bytes.Equal(again, formatted) {
		t.Fatalf("formatting is not idempotent (-once +twice):\n%s", diff.Diff("once", formatted, "twice", again))
	}
}

// file is one source before and after formatting (after is nil when it does not parse).
type file struct {
	name          string
	before, after []byte
}

var positions = regexp.MustCompile(`:\d+:\d+|@\d+:\d+`)

// checkSameProgram compiles the files as written and as formatted and demands the same
// IR dump and the same diagnostics, positions aside: formatting moves code between
// lines and columns but must not change what it means or which waivers apply.
func checkSameProgram(t *testing.T, files []file, cfg *config.Config) {
	t.Helper()
	var before, after []compiler.Source
	for _, f := range files {
		before = append(before, compiler.Source{Name: f.name, Data: f.before})
		data := f.after
		if data == nil {
			data = f.before
		}
		after = append(after, compiler.Source{Name: f.name, Data: data})
	}
	dump1, diags1 := compile(before, cfg)
	dump2, diags2 := compile(after, cfg)
	if dump1 != dump2 {
		t.Errorf("formatting changed the IR (-before +after):\n%s", diff.Diff("before", []byte(dump1), "after", []byte(dump2)))
	}
	if diags1 != diags2 {
		t.Errorf("formatting changed the diagnostics (-before +after):\n%s", diff.Diff("before", []byte(diags1), "after", []byte(diags2)))
	}
}

// compile returns the IR dump and the diagnostics, without positions and sorted.
func compile(srcs []compiler.Source, cfg *config.Config) (dump, diags string) {
	prog, ds := compiler.Compile(srcs, compiler.Options{Config: cfg})
	if prog != nil {
		dump = positions.ReplaceAllString(ir.Dump(prog), "")
	}
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		s := d.Span.File + ": " + d.Severity.String() + ": " + d.Message + " [" + d.Rule + "]"
		for _, r := range d.Related {
			s += " | " + r.Span.File + " " + r.Message
		}
		lines = append(lines, positions.ReplaceAllString(s, ""))
	}
	slices.Sort(lines)
	return dump, strings.Join(lines, "\n")
}

// corpus is every .net source the project has: examples/**/*.net, one program per
// directory, and the .net files of every golden case under testdata/, one program per
// case (with the case's netc.hcl).
type program struct {
	name  string
	files []txtar.File
	cfg   *config.Config
}

func corpus(t testing.TB) []program {
	t.Helper()
	root := filepath.Join("..", "..")
	var progs []program
	byDir := map[string]int{}
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".net") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dir := filepath.Dir(p)
		i, ok := byDir[dir]
		if !ok {
			i = len(progs)
			byDir[dir] = i
			progs = append(progs, program{name: dir})
		}
		rel, _ := filepath.Rel(root, p)
		progs[i].files = append(progs[i].files, txtar.File{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(filepath.Join(root, "testdata"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return err
		}
		ar, err := txtar.ParseFile(p)
		if err != nil {
			return err
		}
		prog := program{name: p}
		for _, f := range ar.Files {
			switch {
			case f.Name == config.FileName:
				cfg, diags := config.Load(f.Name, f.Data)
				if diags.HasErrors() {
					cfg = nil
				}
				prog.cfg = cfg
			case strings.HasSuffix(f.Name, ".net"):
				prog.files = append(prog.files, f)
			}
		}
		if len(prog.files) > 0 {
			progs = append(progs, prog)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(progs) < 10 {
		t.Fatalf("only %d programs found under examples/ and testdata/", len(progs))
	}
	return progs
}

// TestCorpus formats every file of every program in the corpus that parses: the output
// must format to itself, and the program must compile to the same IR and diagnostics.
func TestCorpus(t *testing.T) {
	formatted := 0
	for _, prog := range corpus(t) {
		t.Run(prog.name, func(t *testing.T) {
			var files []file
			for _, f := range prog.files {
				out, diags := format.Source(f.Name, f.Data)
				if !diags.HasErrors() {
					checkIdempotent(t, f.Name, out)
					formatted++
				}
				files = append(files, file{f.Name, f.Data, out})
			}
			checkSameProgram(t, files, prog.cfg)
		})
	}
	if formatted < 50 {
		t.Errorf("only %d files of the corpus parse; the corpus is not being read", formatted)
	}
}

// TestSyntaxErrorLeavesNoOutput pins the contract that input with syntax errors is not
// formatted, however small the error.
func TestSyntaxErrorLeavesNoOutput(t *testing.T) {
	for _, src := range []string{"a -> \n", "service a {\n", "a -> b:80\n}\n", "\"unterminated\n", "role r on db\n"} {
		out, diags := format.Source("x.net", []byte(src))
		if out != nil || !diags.HasErrors() {
			t.Errorf("%q: got output %q and diagnostics %v; want no output and errors", src, out, diags)
		}
		if _, pd := parser.ParseFile("x.net", []byte(src)); len(pd) != len(diags) {
			t.Errorf("%q: %d diagnostics, the parser reports %d", src, len(diags), len(pd))
		}
	}
}

// TestLayout covers what a txtar file cannot hold: carriage returns, tabs, a missing
// final newline.
func TestLayout(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a -> b:80", "a -> b:80\n"},
		{"a -> b:80\n\n\n", "a -> b:80\n"},
		{"a -> b:80 # c", "a -> b:80 # c\n"},
		{"a -> b:80\r\nservice s {\r\n\tport http 80\r\n}\r\n", "a -> b:80\nservice s {\n  port http 80\n}\n"},
		{"# c\r\n\r\n\r\na\t->\tb:80\t# d\t\r\n", "# c\n\na -> b:80 # d\n"},
		{"", ""},
		{"\n\n", ""},
		{"#", "#\n"},
	} {
		got, diags := format.Source("x.net", []byte(c.in))
		if diags.HasErrors() {
			t.Errorf("%q: %v", c.in, diags)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
