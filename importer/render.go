package importer

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/netc-dev/netc/lang/format"
)

// File names besides the namespaces' NS.net: a namespace name never starts with '_'.
const (
	AccessFile    = "_access.net"
	ExternalsFile = "_externals.net"
	ConfigFile    = "netc.hcl"
	ReportFile    = "import-report.json"
	RefusedFile   = "_refused-namespaces.net"
)

const header = "# Imported by netc import."

// comment writes text as comment lines, one per line of text.
func comment(b *strings.Builder, indent, text string) {
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(indent + "# " + l + "\n")
	}
}

// label is k=v as netc writes it, quoting what needs quotes.
func label(k, v string) string {
	key := format.Name(k)
	if pre, name, ok := strings.Cut(k, "/"); ok {
		key = format.Name(pre) + "/" + format.Name(name)
	}
	return key + "=" + format.Name(v)
}

func (s *service) render(b *strings.Builder) {
	for _, n := range s.notes {
		comment(b, "", n)
	}
	var attrs []string
	if !(len(s.labels) == 1 && s.labels["app"] == s.name) {
		var ls []string
		for _, k := range slices.Sorted(maps.Keys(s.labels)) {
			ls = append(ls, label(k, s.labels[k]))
		}
		attrs = append(attrs, "labels "+strings.Join(ls, ", "))
	}
	for _, p := range s.ports {
		proto := ""
		if p.Protocol != "" && p.Protocol != "TCP" {
			proto = "/" + strings.ToLower(string(p.Protocol))
		}
		attrs = append(attrs, fmt.Sprintf("port %s %d%s", format.Name(p.Name), p.ContainerPort, proto))
	}
	if len(attrs) == 0 {
		fmt.Fprintf(b, "service %s\n", format.Name(s.name))
		return
	}
	fmt.Fprintf(b, "service %s {\n", format.Name(s.name))
	for _, a := range attrs {
		b.WriteString("  " + a + "\n")
	}
	b.WriteString("}\n")
}

func (f *nsFile) render() string {
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, n := range f.notes {
		b.WriteString("#\n")
		comment(&b, "", n)
	}
	fmt.Fprintf(&b, "\nnamespace %s\n\n", format.Name(f.name))
	for _, s := range f.services {
		s.render(&b)
	}
	order := map[string]int{}
	for i, s := range f.services {
		order["s:"+s.name] = i
	}
	keys := slices.Clone(f.sources)
	slices.SortFunc(keys, func(a, b string) int {
		ia, oka := order[a]
		ib, okb := order[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		b.WriteString("\n")
		for _, l := range f.intents[k] {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func (n *network) renderExternals() string {
	if len(n.exts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(header + " The address sets the policies name, outside the cluster.\n\n")
	exts := slices.Collect(maps.Values(n.exts))
	slices.SortFunc(exts, func(a, b *external) int { return cmp.Compare(a.name, b.name) })
	for _, e := range exts {
		if len(e.holes) > 0 {
			var hs []string
			for _, h := range e.holes {
				hs = append(hs, h.String())
			}
			fmt.Fprintf(&b, "# %s except %s\n", e.outer, strings.Join(hs, ", "))
		}
		var cs []string
		for _, c := range e.cidrs {
			cs = append(cs, c.String())
		}
		fmt.Fprintf(&b, "external %s %s\n", format.Name(e.name), strings.Join(cs, ", "))
	}
	return b.String()
}

// configText is netc.hcl: the imported intents open the DNS paths the original
// policies open, so netc's own DNS egress would widen them.
const configText = `# Written by netc import. The imported intents open exactly the paths the original
# policies open, DNS included, so netc's own egress to the cluster DNS is off: turn it
# on (and remove the imported DNS intents) to let netc manage DNS.
dns {
  enabled = false
}
`

// canonical runs src through the formatter; a failure is a bug of the importer.
func canonical(name, src string) ([]byte, error) {
	out, diags := format.Source(name, []byte(src))
	if diags.HasErrors() {
		return nil, fmt.Errorf("netc import wrote %s, which does not parse (a bug): %v\n%s", name, diags.Err(), src)
	}
	return out, nil
}
