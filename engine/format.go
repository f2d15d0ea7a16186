package engine

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Formats are the names Write accepts.
var Formats = []string{"txt", "json", "csv", "md", "dot", "mermaid"}

// Write prints the map in one of Formats:
//   - txt: netpol-analyzer's list form, "SRC => DST : CONNS", one line per pair;
//   - csv and md: the same rows as a table (src, dst, conn), as netpol-analyzer's;
//   - json: {"connections": [{"src", "dst", "conn", "all", "ports"}]}, "all" true for
//     every connection, else "ports" a list of {"protocol", "from", "to"};
//   - dot and mermaid: a graph, namespaces as clusters, edges labelled with ports.
func Write(w io.Writer, m *Map, format string) error {
	switch format {
	case "txt":
		var b strings.Builder
		for _, x := range m.Connections {
			fmt.Fprintf(&b, "%s => %s : %s\n", x.Src, x.Dst, x.Conn)
		}
		_, err := io.WriteString(w, b.String())
		return err
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"src", "dst", "conn"})
		for _, x := range m.Connections {
			cw.Write([]string{x.Src.String(), x.Dst.String(), x.Conn.String()})
		}
		cw.Flush()
		return cw.Error()
	case "md":
		var b strings.Builder
		b.WriteString("| src | dst | conn |\n|-----|-----|------|\n")
		for _, x := range m.Connections {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdEscape(x.Src.String()), mdEscape(x.Dst.String()), x.Conn)
		}
		_, err := io.WriteString(w, b.String())
		return err
	case "json":
		return writeJSON(w, m)
	case "dot":
		return writeGraph(w, m, dotSyntax)
	case "mermaid":
		return writeGraph(w, m, mermaidSyntax)
	}
	return fmt.Errorf("unknown format %q", format)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

type jsonConn struct {
	Src   string      `json:"src"`
	Dst   string      `json:"dst"`
	Conn  string      `json:"conn"`
	All   bool        `json:"all,omitempty"`
	Ports []jsonPorts `json:"ports,omitempty"`
}

// jsonPorts is one port range of one protocol.
type jsonPorts struct {
	Protocol string `json:"protocol"`
	From     int    `json:"from"`
	To       int    `json:"to"`
}

func writeJSON(w io.Writer, m *Map) error {
	out := struct {
		Connections []jsonConn `json:"connections"`
	}{Connections: []jsonConn{}}
	for _, x := range m.Connections {
		j := jsonConn{Src: x.Src.String(), Dst: x.Dst.String(), Conn: x.Conn.String(), All: x.Conn.IsAll()}
		if !j.All {
			for p := range numProtocols {
				for _, r := range x.Conn.Ranges(p) {
					j.Ports = append(j.Ports, jsonPorts{p.String(), r[0], r[1]})
				}
			}
		}
		out.Connections = append(out.Connections, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// graphSyntax is how one graph language spells nodes, clusters and edges.
type graphSyntax struct {
	header, footer          string
	clusterOpen, clusterEnd string // clusterOpen takes id and label
	node                    string // takes id and label
	edge                    string // takes from, to and label
	quote                   func(string) string
}

var dotSyntax = graphSyntax{
	header:      "digraph connectivity {\n\trankdir=LR\n\tnode [shape=box, fontname=\"Helvetica\"]\n\tedge [fontname=\"Helvetica\", fontsize=10]\n",
	footer:      "}\n",
	clusterOpen: "\tsubgraph \"cluster_%[1]s\" {\n\t\tlabel=%[2]s\n",
	clusterEnd:  "\t}\n",
	node:        "\t\t%[1]q [label=%[2]s]\n",
	edge:        "\t%[1]q -> %[2]q [label=%[3]s]\n",
	quote:       func(s string) string { return fmt.Sprintf("%q", s) },
}

var mermaidSyntax = graphSyntax{
	header:      "flowchart LR\n",
	footer:      "",
	clusterOpen: "\tsubgraph %[1]s[%[2]s]\n",
	clusterEnd:  "\tend\n",
	node:        "\t\t%[1]s[%[2]s]\n",
	edge:        "\t%[1]s -->|%[3]s| %[2]s\n",
	quote:       func(s string) string { return `"` + strings.ReplaceAll(s, `"`, "#quot;") + `"` },
}

// writeGraph draws the workloads that appear in a connection, grouped by namespace,
// the address ranges on their own, and one edge per connection.
func writeGraph(w io.Writer, m *Map, g graphSyntax) error {
	ids := map[string]string{}
	id := func(e Endpoint) string {
		k := e.String()
		if v, ok := ids[k]; ok {
			return v
		}
		v := fmt.Sprintf("n%d", len(ids))
		ids[k] = v
		return v
	}
	byNS := map[string][]Endpoint{}
	var ips []Endpoint
	seen := map[string]bool{}
	for _, x := range m.Connections {
		for _, e := range []Endpoint{x.Src, x.Dst} {
			if seen[e.String()] {
				continue
			}
			seen[e.String()] = true
			if e.Workload == nil {
				ips = append(ips, e)
			} else {
				byNS[e.Workload.Namespace] = append(byNS[e.Workload.Namespace], e)
			}
		}
	}
	var b strings.Builder
	b.WriteString(g.header)
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	slices.Sort(nss)
	for i, ns := range nss {
		fmt.Fprintf(&b, g.clusterOpen, fmt.Sprintf("ns%d", i), g.quote(ns))
		eps := byNS[ns]
		slices.SortFunc(eps, func(a, b Endpoint) int { return strings.Compare(a.String(), b.String()) })
		for _, e := range eps {
			fmt.Fprintf(&b, g.node, id(e), g.quote(e.Workload.Name+" ["+e.Workload.Kind+"]"))
		}
		b.WriteString(g.clusterEnd)
	}
	slices.SortFunc(ips, func(a, b Endpoint) int { return strings.Compare(a.String(), b.String()) })
	for _, e := range ips {
		fmt.Fprintf(&b, strings.Replace(g.node, "\t\t", "\t", 1), id(e), g.quote(e.String()))
	}
	for _, x := range m.Connections {
		fmt.Fprintf(&b, g.edge, id(x.Src), id(x.Dst), g.quote(x.Conn.String()))
	}
	b.WriteString(g.footer)
	_, err := io.WriteString(w, b.String())
	return err
}
