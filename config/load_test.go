package config

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

func TestLoadFull(t *testing.T) {
	src := `# cluster DNS on OpenShift
dns {
  namespace = "openshift-dns"
  labels    = { "dns.operator.openshift.io/daemonset-dns" = "default", app = "dns" }
  port      = 5353
}

rules {
  any-port     = "off"
  world-egress = "error"
  cross-namespace = "warning"
}

output {
  dir        = "generated"
  kubernetes = true
  sql        = false
}
`
	cfg, diags := Load("policies/netc.hcl", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if cfg.File != "policies/netc.hcl" {
		t.Errorf("File = %q", cfg.File)
	}
	d := cfg.DNS
	if !d.Enabled || d.Namespace != "openshift-dns" || d.Port != 5353 ||
		!maps.Equal(d.Labels, map[string]string{"dns.operator.openshift.io/daemonset-dns": "default", "app": "dns"}) {
		t.Errorf("DNS = %+v", d)
	}
	if d.Span.String() != "policies/netc.hcl:2:1" {
		t.Errorf("DNS span = %s", d.Span)
	}
	want := []struct {
		id   string
		sev  diag.Severity
		span string
	}{{"any-port", diag.Off, "policies/netc.hcl:9:3"}, {"world-egress", diag.Error, "policies/netc.hcl:10:3"}, {"cross-namespace", diag.Warning, "policies/netc.hcl:11:3"}}
	if len(cfg.Rules) != len(want) {
		t.Fatalf("Rules = %+v", cfg.Rules)
	}
	for i, w := range want {
		r := cfg.Rules[i]
		if r.ID != w.id || r.Severity != w.sev || r.Span.String() != w.span || r.Span.End.Col != r.Span.Start.Col+len(w.id) {
			t.Errorf("rule %d = %+v, want %+v", i, r, w)
		}
	}
	if cfg.Output != (Output{Dir: filepath.Join("policies", "generated"), Kubernetes: true, SQL: false}) {
		t.Errorf("Output = %+v", cfg.Output)
	}
}

func TestLoadDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "dns {}\nrules {}\noutput {}\n"} {
		cfg, diags := Load("netc.hcl", []byte(src))
		if len(diags) > 0 {
			t.Fatalf("%q: %v", src, diags)
		}
		def := Default()
		if cfg.DNS.Enabled != def.DNS.Enabled || cfg.DNS.Namespace != def.DNS.Namespace || cfg.DNS.Port != def.DNS.Port ||
			!maps.Equal(cfg.DNS.Labels, def.DNS.Labels) || cfg.Output != def.Output || len(cfg.Rules) != 0 {
			t.Errorf("%q: got %+v, want defaults %+v", src, cfg, def)
		}
	}
}

func TestLoadDNSOff(t *testing.T) {
	cfg, diags := Load("netc.hcl", []byte("dns {\n  enabled = false\n}\n"))
	if len(diags) > 0 || cfg.DNS.Enabled {
		t.Fatalf("cfg = %+v, diags = %v", cfg, diags)
	}
}

func TestLoadAbsoluteOutputDir(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "gen")
	cfg, diags := Load("a/netc.hcl", []byte("output {\n  dir = \""+filepath.ToSlash(abs)+"\"\n}\n"))
	if len(diags) > 0 || cfg.Output.Dir != abs {
		t.Fatalf("cfg = %+v, diags = %v", cfg, diags)
	}
}

// TestLoadErrors pins every diagnostic of each bad file: position, message.
func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown block", "dsn {\n}\n", []string{
			`netc.hcl:1:1: error: unknown block "dsn" (did you mean "dns"?); netc.hcl holds dns, rules, output, cluster and database blocks`}},
		{"top-level attribute", "port = 53\n", []string{
			`netc.hcl:1:1: error: unexpected attribute "port" at the top level; netc.hcl holds dns, rules, output, cluster and database blocks`}},
		{"unknown attribute", "dns {\n  prot = 53\n}\n", []string{
			`netc.hcl:2:3: error: unknown attribute "prot" in the dns block (did you mean "port"?); it takes enabled, namespace, labels, port`}},
		{"unknown output attribute", "output {\n  yaml = true\n}\n", []string{
			`netc.hcl:2:3: error: unknown attribute "yaml" in the output block; it takes dir, kubernetes, sql`}},
		{"port out of range", "dns {\n  port = 70000\n}\n", []string{
			`netc.hcl:2:10: error: port 70000 is out of range: it must be a whole number from 1 to 65535`}},
		{"port zero", "dns {\n  port = 0\n}\n", []string{
			`netc.hcl:2:10: error: port 0 is out of range: it must be a whole number from 1 to 65535`}},
		{"port fraction", "dns {\n  port = 53.5\n}\n", []string{
			`netc.hcl:2:10: error: port 53.5 is out of range: it must be a whole number from 1 to 65535`}},
		{"port string", "dns {\n  port = \"53\"\n}\n", []string{
			`netc.hcl:2:10: error: port must be a number from 1 to 65535, not a string`}},
		{"namespace number", "dns {\n  namespace = 5\n}\n", []string{
			`netc.hcl:2:15: error: namespace must be a string, not a number`}},
		{"namespace bad", "dns {\n  namespace = \"Kube_System\"\n}\n", []string{
			`netc.hcl:2:15: error: namespace "Kube_System" is not a valid Kubernetes name: only lower-case letters, digits and '-' are allowed (a DNS-1123 label)`}},
		{"namespace bare word", "dns {\n  namespace = kube-system\n}\n", []string{
			`netc.hcl:2:15: error: namespace must be a quoted string, like namespace = "kube-system"`}},
		{"enabled string", "dns {\n  enabled = \"no\"\n}\n", []string{
			`netc.hcl:2:13: error: enabled must be true or false`}},
		{"enabled word", "dns {\n  enabled = off\n}\n", []string{
			`netc.hcl:2:13: error: enabled must be true or false`}},
		{"labels not object", "dns {\n  labels = \"k8s-app=kube-dns\"\n}\n", []string{
			`netc.hcl:2:12: error: labels must be an object of strings, like labels = { "k8s-app" = "kube-dns" }`}},
		{"labels empty", "dns {\n  labels = {}\n}\n", []string{
			`netc.hcl:2:12: error: labels must not be empty: an empty selector would open port 53 to every pod of the DNS namespace`}},
		{"label key bad", "dns {\n  labels = { \"-bad\" = \"x\", \"Example.com/ok\" = \"y\" }\n}\n", []string{
			`netc.hcl:2:14: error: label key "-bad" is not a valid label key: its name part must start and end with a letter or digit`,
			`netc.hcl:2:28: error: label key "Example.com/ok" has an invalid prefix "Example.com": it is not a valid Kubernetes name: it must be lower-case labels separated by '.' (a DNS-1123 subdomain)`}},
		{"label value bad", "dns {\n  labels = { app = \"a b\", n = 5 }\n}\n", []string{
			`netc.hcl:2:20: error: value "a b" of label "app" is not a valid label value: it may hold only letters, digits, '-', '_' and '.'`,
			`netc.hcl:2:31: error: value of label "n" must be a string, not a number`}},
		// Columns count bytes: "é" is two bytes, so the value 5 sits at byte column 30
		// (HCL's own column, counting characters, says 29).
		{"byte columns", "dns {\n  labels = { \"é\" = \"x\", b = 5 }\n}\n", []string{
			`netc.hcl:2:14: error: label key "é" is not a valid label key: its name part may hold only letters, digits, '-', '_' and '.'`,
			`netc.hcl:2:30: error: value of label "b" must be a string, not a number`}},
		{"duplicate label", "dns {\n  labels = { a = \"1\", a = \"2\" }\n}\n", []string{
			`netc.hcl:2:23: error: duplicate label "a"`}},
		{"bad severity", "rules {\n  any-port = \"warn\"\n}\n", []string{
			`netc.hcl:2:14: error: unknown severity "warn" for any-port; use "error", "warning", "info" or "off"`}},
		{"bare severity", "rules {\n  any-port = off\n}\n", []string{
			`netc.hcl:2:14: error: the severity of any-port must be a quoted string: "error", "warning", "info" or "off"`}},
		{"numeric severity", "rules {\n  any-port = 1\n}\n", []string{
			`netc.hcl:2:14: error: the severity of any-port must be "error", "warning", "info" or "off", not a number`}},
		{"duplicate block", "dns {\n}\ndns {\n}\n", []string{
			`netc.hcl:3:1: error: duplicate dns block`}},
		{"labels on block", "output \"x\" {\n}\n", []string{
			`netc.hcl:1:8: error: output block takes no labels`}},
		{"nested block", "rules {\n  network {\n  }\n}\n", []string{
			`netc.hcl:2:3: error: unexpected block "network" in the rules block`}},
		{"variables", "output {\n  dir = var.x\n}\n", []string{
			`netc.hcl:2:9: error: variables not allowed`}},
		{"function", "output {\n  dir = lower(\"X\")\n}\n", []string{
			`netc.hcl:2:9: error: function calls not allowed`}},
		{"empty dir", "output {\n  dir = \"\"\n}\n", []string{
			`netc.hcl:2:9: error: output dir must not be empty`}},
		{"syntax", "dns {\n  port = \n}\n", []string{
			`netc.hcl:2:10: error: invalid expression`}},
		{"redefined", "dns {\n  port = 53\n  port = 54\n}\n", []string{
			`netc.hcl:3:3: error: attribute redefined`}},
		{"invalid utf8", "dns {\n  namespace = \"a\xffb\"\n}\n", []string{
			`netc.hcl:2:17: error: netc.hcl is not valid UTF-8`}},
		{"too deep", "output {\n  dir = " + strings.Repeat("[", 100) + "\n}\n", []string{
			`netc.hcl:2:72: error: brackets nest deeper than 64 levels`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Load("netc.hcl", []byte(tc.src))
			if cfg != nil {
				t.Errorf("config returned despite errors")
			}
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
				if !d.Span.End.IsValid() || d.Span.End.Offset < d.Span.Start.Offset {
					t.Errorf("bad span %+v", d.Span)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDuplicateBlockRelated(t *testing.T) {
	_, diags := Load("netc.hcl", []byte("rules {\n}\n\nrules {\n}\n"))
	if len(diags) != 1 || len(diags[0].Related) != 1 || diags[0].Related[0].Span.String() != "netc.hcl:1:1" {
		t.Fatalf("diags = %+v", diags)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	if _, ok := Find(dir); ok {
		t.Fatal("found a config in an empty directory")
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, FileName), nil, 0o644)
	if p, ok := Find(dir); !ok || p != filepath.Join(dir, FileName) {
		t.Fatalf("Find = %q, %v", p, ok)
	}
	if _, ok := Find(filepath.Join(dir, "sub")); ok {
		t.Fatal("Find looked in the parent directory")
	}
	os.Mkdir(filepath.Join(dir, "sub", FileName), 0o755)
	if _, ok := Find(filepath.Join(dir, "sub")); ok {
		t.Fatal("Find accepted a directory named netc.hcl")
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte("dns {\n  namespace = \"kube-system\"\n  labels = { \"k8s-app\" = \"kube-dns\" }\n  port = 53\n}\nrules {\n  any-port = \"off\"\n}\noutput {\n  dir = \"out\"\n}\n"))
	f.Add([]byte("dns { enabled = false }"))
	f.Add([]byte("output { dir = <<EOT\nx\nEOT\n}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := Load("netc.hcl", src)
		if (cfg == nil) != diags.HasErrors() {
			t.Fatalf("cfg = %v with diags %v", cfg, diags)
		}
		for _, d := range diags {
			if d.Span.Start.Offset > len(src) || d.Span.End.Offset > len(src) {
				t.Fatalf("span out of range: %+v", d.Span)
			}
		}
	})
}
