package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// DiffFormats are the names WriteReport accepts.
var DiffFormats = []string{"text", "md", "json", "txt"}

// WriteReport prints a diff report in one of DiffFormats:
//   - text: a summary line per part, then one line per change (+ added, - removed,
//     ~ changed);
//   - md: a pull-request comment: a summary line, then a table per part;
//   - json: {"changed", "network": {"opened", "closed", "changed"}, "rbac": {"added",
//     "removed"}, "sql": {"added", "removed"}};
//   - txt: netpol-analyzer's diff text, the network part only.
func WriteReport(w io.Writer, r *Report, format string) error {
	var b strings.Builder
	switch format {
	case "text":
		writeReportText(&b, r)
	case "md":
		writeReportMD(&b, r)
	case "json":
		return writeReportJSON(w, r)
	case "txt":
		writeNpGuardDiff(&b, r.Network)
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) counts() (opened, closed, changed int) {
	for _, c := range r.Network {
		switch c.Kind {
		case Opened:
			opened++
		case Closed:
			closed++
		default:
			changed++
		}
	}
	return
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Summary is one line: "network: 1 path opened, 2 changed; RBAC: 3 permissions
// added; SQL: 1 privilege removed", or "no change".
func (r *Report) Summary() string {
	if r.Empty() {
		return "no change"
	}
	var parts []string
	part := func(what, one, many string, counts ...any) {
		var ps []string
		for i := 0; i < len(counts); i += 2 {
			n, verb := counts[i].(int), counts[i+1].(string)
			if n == 0 {
				continue
			}
			if len(ps) == 0 {
				ps = append(ps, plural(n, one, many)+" "+verb)
			} else {
				ps = append(ps, fmt.Sprintf("%d %s", n, verb))
			}
		}
		if len(ps) > 0 {
			parts = append(parts, what+": "+strings.Join(ps, ", "))
		}
	}
	o, c, ch := r.counts()
	part("network", "path", "paths", o, "opened", c, "closed", ch, "changed")
	part("RBAC", "permission", "permissions", len(r.RBACAdded), "added", len(r.RBACRemoved), "removed")
	part("SQL", "privilege", "privileges", len(r.SQLAdded), "added", len(r.SQLRemoved), "removed")
	return strings.Join(parts, "; ")
}

// portsChange says what a changed pair gained and lost: "+TCP 9090, -TCP 80".
func portsChange(c Change) string {
	var ps []string
	if a := c.Added(); !a.IsEmpty() {
		ps = append(ps, "+"+a.String())
	}
	if rm := c.Removed(); !rm.IsEmpty() {
		ps = append(ps, "-"+rm.String())
	}
	return strings.Join(ps, ", ")
}

func (p SQLPrivilege) describe() string {
	if p.Privilege == "MEMBER" {
		return fmt.Sprintf("%s: %s is a member of %s", p.Database, p.Role, strings.TrimPrefix(p.Object, "role "))
	}
	return fmt.Sprintf("%s: role %s has %s on %s", p.Database, p.Role, p.Privilege, p.Object)
}

func writeReportText(b *strings.Builder, r *Report) {
	b.WriteString(r.Summary() + "\n")
	for _, c := range r.Network {
		switch c.Kind {
		case Opened:
			fmt.Fprintf(b, "+ %s => %s : %s\n", c.Src, c.Dst, c.New)
		case Closed:
			fmt.Fprintf(b, "- %s => %s : %s\n", c.Src, c.Dst, c.Old)
		default:
			fmt.Fprintf(b, "~ %s => %s : %s -> %s (%s)\n", c.Src, c.Dst, c.Old, c.New, portsChange(c))
		}
	}
	for _, p := range r.RBACAdded {
		fmt.Fprintf(b, "+ %s\n", p.Describe())
	}
	for _, p := range r.RBACRemoved {
		fmt.Fprintf(b, "- %s\n", p.Describe())
	}
	for _, p := range r.SQLAdded {
		fmt.Fprintf(b, "+ %s\n", p.describe())
	}
	for _, p := range r.SQLRemoved {
		fmt.Fprintf(b, "- %s\n", p.describe())
	}
}

func writeReportMD(b *strings.Builder, r *Report) {
	fmt.Fprintf(b, "**netc diff:** %s\n", r.Summary())
	if len(r.Network) > 0 {
		b.WriteString("\n### Network\n\n| change | source | destination | connections | was |\n|---|---|---|---|---|\n")
		for _, c := range r.Network {
			switch c.Kind {
			case Opened:
				fmt.Fprintf(b, "| opened | %s | %s | %s | |\n", mdCode(c.Src), mdCode(c.Dst), c.New)
			case Closed:
				fmt.Fprintf(b, "| closed | %s | %s | | %s |\n", mdCode(c.Src), mdCode(c.Dst), c.Old)
			default:
				fmt.Fprintf(b, "| changed | %s | %s | %s (%s) | %s |\n", mdCode(c.Src), mdCode(c.Dst), c.New, portsChange(c), c.Old)
			}
		}
	}
	if len(r.RBACAdded)+len(r.RBACRemoved) > 0 {
		b.WriteString("\n### RBAC\n\n| change | subject | namespace | verb | resource | name | via |\n|---|---|---|---|---|---|---|\n")
		row := func(ch string, p Permission) {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", ch, mdCode(p.Subject), mdCode(p.Namespace), p.Verb,
				mdCode(p.Resource), mdCode(p.Name), mdEscape(p.Via))
		}
		for _, p := range r.RBACAdded {
			row("added", p)
		}
		for _, p := range r.RBACRemoved {
			row("removed", p)
		}
	}
	if len(r.SQLAdded)+len(r.SQLRemoved) > 0 {
		b.WriteString("\n### SQL\n\n| change | database | role | privilege | object |\n|---|---|---|---|---|\n")
		row := func(ch string, p SQLPrivilege) {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", ch, mdCode(p.Database), mdCode(p.Role), p.Privilege, mdCode(p.Object))
		}
		for _, p := range r.SQLAdded {
			row("added", p)
		}
		for _, p := range r.SQLRemoved {
			row("removed", p)
		}
	}
}

// mdCode sets a name in code so Markdown leaves it alone; "" stays empty.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "`", "'"), "|", `\|`) + "`"
}

type jsonPath struct {
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	Ports string `json:"ports"`
}

type jsonChanged struct {
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	Old     string `json:"old"`
	New     string `json:"new"`
	Added   string `json:"added"`
	Removed string `json:"removed"`
}

type jsonPermission struct {
	Subject   string `json:"subject"`
	Namespace string `json:"namespace"`
	Verb      string `json:"verb"`
	Resource  string `json:"resource"`
	Name      string `json:"name,omitempty"`
	Via       string `json:"via,omitempty"`
}

type jsonSQL struct {
	Database  string `json:"database"`
	Role      string `json:"role"`
	Privilege string `json:"privilege"`
	Object    string `json:"object"`
}

func writeReportJSON(w io.Writer, r *Report) error {
	type network struct {
		Opened  []jsonPath    `json:"opened"`
		Closed  []jsonPath    `json:"closed"`
		Changed []jsonChanged `json:"changed"`
	}
	type rbac struct {
		Added   []jsonPermission `json:"added"`
		Removed []jsonPermission `json:"removed"`
	}
	type sql struct {
		Added   []jsonSQL `json:"added"`
		Removed []jsonSQL `json:"removed"`
	}
	out := struct {
		Changed bool    `json:"changed"`
		Summary string  `json:"summary"`
		Network network `json:"network"`
		RBAC    rbac    `json:"rbac"`
		SQL     sql     `json:"sql"`
	}{Changed: !r.Empty(), Summary: r.Summary(),
		Network: network{[]jsonPath{}, []jsonPath{}, []jsonChanged{}},
		RBAC:    rbac{[]jsonPermission{}, []jsonPermission{}}, SQL: sql{[]jsonSQL{}, []jsonSQL{}}}
	for _, c := range r.Network {
		switch c.Kind {
		case Opened:
			out.Network.Opened = append(out.Network.Opened, jsonPath{c.Src, c.Dst, c.New.String()})
		case Closed:
			out.Network.Closed = append(out.Network.Closed, jsonPath{c.Src, c.Dst, c.Old.String()})
		default:
			added, removed := "", ""
			if a := c.Added(); !a.IsEmpty() {
				added = a.String()
			}
			if rm := c.Removed(); !rm.IsEmpty() {
				removed = rm.String()
			}
			out.Network.Changed = append(out.Network.Changed, jsonChanged{c.Src, c.Dst, c.Old.String(), c.New.String(), added, removed})
		}
	}
	perm := func(p Permission) jsonPermission {
		return jsonPermission{p.Subject, p.Namespace, p.Verb, p.Resource, p.Name, p.Via}
	}
	for _, p := range r.RBACAdded {
		out.RBAC.Added = append(out.RBAC.Added, perm(p))
	}
	for _, p := range r.RBACRemoved {
		out.RBAC.Removed = append(out.RBAC.Removed, perm(p))
	}
	for _, p := range r.SQLAdded {
		out.SQL.Added = append(out.SQL.Added, jsonSQL(p))
	}
	for _, p := range r.SQLRemoved {
		out.SQL.Removed = append(out.SQL.Removed, jsonSQL(p))
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeNpGuardDiff prints netpol-analyzer's diff text: a header, then one line per
// pair ("diff-type: changed, source: S, destination: D, ref1: C1, ref2: C2"), with
// workloads-diff-info when a workload exists on one side only; by kind (changed,
// added, removed), then the ingress controller's pairs by kind, each group sorted as
// text. No change prints nothing, as netpol-analyzer.
func writeNpGuardDiff(b *strings.Builder, changes []Change) {
	if len(changes) == 0 {
		return
	}
	b.WriteString("Connectivity diff:\n")
	// Changes come grouped (by kind, the controller's after the rest); within a group
	// the lines sort as text, as netpol-analyzer sorts them.
	var group []string
	flush := func() {
		slices.Sort(group)
		for _, l := range group {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		group = group[:0]
	}
	for i, c := range changes {
		if i > 0 && (c.Kind != changes[i-1].Kind || c.Ingress != changes[i-1].Ingress) {
			flush()
		}
		old, new := "No Connections", "No Connections"
		if c.Kind != Opened {
			old = c.Old.String()
		}
		if c.Kind != Closed {
			new = c.New.String()
		}
		l := fmt.Sprintf("diff-type: %s, source: %s, destination: %s, ref1: %s, ref2: %s", c.Kind, c.Src, c.Dst, old, new)
		if c.SrcGone || c.DstGone {
			var ws []string
			if c.SrcGone {
				ws = append(ws, c.Src)
			}
			if c.DstGone {
				ws = append(ws, c.Dst)
			}
			l += fmt.Sprintf(", workloads-diff-info: workload %s %s", strings.Join(ws, " and "), c.Kind)
		}
		group = append(group, l)
	}
	flush()
}
