package gen

import (
	"bufio"
	"fmt"
	"io"
)

// WriteHelmValues writes the workload as the values.yaml of bench/compare.sh's chart:
// the namespaces, and per service its port, its callers (from) and its callees (to).
func (w *Workload) WriteHelmValues(out io.Writer) error {
	b := bufio.NewWriterSize(out, 64<<10)
	in, eg := w.Flows()
	b.WriteString("namespaces:\n")
	for _, ns := range w.Namespaces {
		fmt.Fprintf(b, "- %s\n", ns)
	}
	b.WriteString("services:\n")
	for i, s := range w.Services {
		fmt.Fprintf(b, "- ns: %s\n  name: %s\n  port: %d\n", s.Namespace, s.Name, s.Port)
		writeYAMLPeers(b, "from", in[i], false)
		writeYAMLPeers(b, "to", eg[i], true)
	}
	return b.Flush()
}

func writeYAMLPeers(b *bufio.Writer, key string, ps []Peer, port bool) {
	if len(ps) == 0 {
		fmt.Fprintf(b, "  %s: []\n", key)
		return
	}
	fmt.Fprintf(b, "  %s:\n", key)
	for _, p := range ps {
		if port {
			fmt.Fprintf(b, "  - {ns: %s, name: %s, port: %d}\n", p.Namespace, p.Name, p.Port)
		} else {
			fmt.Fprintf(b, "  - {ns: %s, name: %s}\n", p.Namespace, p.Name)
		}
	}
}

// WriteCUE writes the workload as CUE data in package bench: the same fields as the
// Helm values, for bench/compare.sh's policies.cue to render.
func (w *Workload) WriteCUE(out io.Writer) error {
	b := bufio.NewWriterSize(out, 64<<10)
	in, eg := w.Flows()
	b.WriteString("package bench\n\nnamespaces: [\n")
	for _, ns := range w.Namespaces {
		fmt.Fprintf(b, "\t%q,\n", ns)
	}
	b.WriteString("]\n\nservices: [\n")
	for i, s := range w.Services {
		fmt.Fprintf(b, "\t{ns: %q, name: %q, port: %d\n", s.Namespace, s.Name, s.Port)
		writeCUEPeers(b, "from", in[i], false)
		writeCUEPeers(b, "to", eg[i], true)
		b.WriteString("\t},\n")
	}
	b.WriteString("]\n")
	return b.Flush()
}

func writeCUEPeers(b *bufio.Writer, key string, ps []Peer, port bool) {
	fmt.Fprintf(b, "\t\t%s: [", key)
	for k, p := range ps {
		if k > 0 {
			b.WriteString(", ")
		}
		if port {
			fmt.Fprintf(b, "{ns: %q, name: %q, port: %d}", p.Namespace, p.Name, p.Port)
		} else {
			fmt.Fprintf(b, "{ns: %q, name: %q}", p.Namespace, p.Name)
		}
	}
	b.WriteString("]\n")
}
