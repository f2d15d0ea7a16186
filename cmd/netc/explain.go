package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/engine"
)

func newExplain(e env) *cobra.Command {
	format := formatFlag{value: "text", allowed: []string{"text", "json"}}
	var in inputFlags
	c := &cobra.Command{
		Use:   "explain SRC DST[:PORT[/PROTO]] | SUBJECT VERB RESOURCE [in NS] [FILES|DIRS|-] [--manifests]",
		Short: "say whether SRC may connect to DST, or SUBJECT may do VERB on RESOURCE, and why",
		Long: `Explain answers one question: may SRC open a connection to DST (on PORT, a number or
a named port of DST; TCP unless /udp or /sctp), and why.

SRC and DST are workloads, as NS/NAME (or NAME: namespace default, else the only
workload of that name; for DST, first SRC's namespace; NS/NAME[KIND] when kinds share
a name), or an address or CIDR; with intents also world and the name of an external.
The inputs are those of netc connectivity: intents by default, Kubernetes manifests
with --manifests.

For intents it lists every intent that opens the path, with its position, or, when
none does, the nearest misses: the same pair on other ports, the reverse direction,
the same names in another namespace. For both it lists the NetworkPolicies that
select each side and the rules that allow.

--format json prints {"allowed", "connections", "intents", "nearest", "egress",
"ingress"}.

The RBAC form, SUBJECT [can] VERB RESOURCE [named NAME] [in NAMESPACE|cluster],
asks the cluster API question: SUBJECT is group NAME, user NAME, serviceaccount
NS/NAME or, for intents, a service's name (its ServiceAccount); RESOURCE is written
as in a grant (pods, pods/log, deployments, certificates.cert-manager.io). Without
in, a namespaced resource is asked about in the account's namespace, else default;
in cluster asks across all namespaces. For intents it names the grant that allows
with its position, and the path when the subject gets there through an account it can
act as (effective privileges), or the nearest grant when denied; for manifests the
binding, role and rule (aggregated ClusterRoles included). JSON: {"question",
"allowed", "reason", "grants", "path", "binding", "role", "rule", "at"}. Exit status: 0 the answer is printed (allowed or not); 1 the input has
errors; 2 usage or I/O failure.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			lessGC(2000)
			if rq, inputs, ok, err := parseRBACQuestion(args); ok {
				if err != nil {
					return usagef(c, "%v", err)
				}
				return explainRBAC(c, e, rq, inputs, in, format.value)
			}
			dstName, q, err := engine.ParseTarget(args[1])
			if err != nil {
				return usagef(c, "%v", err)
			}
			cl, prog, err := loadCluster(c, e, args[2:], in, func(p *ir.Program) func(string) bool {
				return pairNamespaces(p, args[0], dstName)
			})
			if err != nil {
				return err
			}
			src, err := cl.Endpoint(endpointName(prog, args[0]))
			if err != nil {
				return usagef(c, "source: %v", err)
			}
			// A bare destination name means, first, the source's namespace.
			var dst engine.Endpoint
			err = errNotTried
			if src.Workload != nil && !strings.Contains(dstName, "/") {
				dst, err = cl.Endpoint(src.Workload.Namespace + "/" + dstName)
			}
			if err != nil {
				dst, err = cl.Endpoint(endpointName(prog, dstName))
			}
			if err != nil {
				return usagef(c, "destination: %v", err)
			}
			a := cl.Ask(src, dst, q)
			var opens, near []engine.Intent
			if prog != nil {
				opens, near = engine.IntentsFor(prog, src, dst, a.Port)
			}
			if format.value == "json" {
				return writeExplainJSON(e, a, opens, near)
			}
			writeExplainText(e, a, prog != nil, opens, near)
			return nil
		},
	}
	c.Flags().Var(&format, "format", "print the answer as `FORMAT`: text or json")
	in.register(c)
	return c
}

var errNotTried = errors.New("not tried")

// lessGC lets the heap grow to 1+percent/100 times the live data before a collection,
// instead of 2 times, unless GOGC is set. netc explain and netc diff keep nearly all
// they allocate (the syntax trees, the IR, the clusters) to the end, so each
// collection rescans data that is never freed. At 50,000 services this saves about a
// fifth of explain's CPU time (percent 2000: after the first collection, at about 80 MB,
// the next would come past all explain allocates) and an eighth of diff's (200), with
// about the same peak RSS (docs/performance.md).
func lessGC(percent int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
}

// pairNamespaces is where the two ends of an explain question may live, so that only
// those namespaces' policies are built: the namespace of NS/NAME, else of every service
// and database of that name, and default. A pair decides on the egress policies of the
// source's namespace and the ingress policies of the destination's; addresses have none.
func pairNamespaces(p *ir.Program, names ...string) func(string) bool {
	keep := map[string]bool{"default": true}
	for _, n := range names {
		n, _, _ = strings.Cut(n, "[")
		if ns, _, ok := strings.Cut(n, "/"); ok {
			keep[ns] = true
			continue
		}
		for _, s := range p.Services {
			if s.Name == n {
				keep[s.Namespace] = true
			}
		}
		for _, d := range p.Databases {
			if d.Name == n {
				keep[d.Namespace] = true
			}
		}
		if n == "kube-dns" { // the cluster DNS workload FromProgram adds
			keep[cmp.Or(p.DNS.Namespace, "kube-system")] = true
		}
	}
	return func(ns string) bool { return keep[ns] }
}

// endpointName maps the names of intents that are not workloads to what the engine
// understands: world to every IPv4 address, an external or a database outside the
// cluster to its first CIDR.
func endpointName(prog *ir.Program, name string) string {
	if prog == nil {
		return name
	}
	if name == "world" {
		return "0.0.0.0/0"
	}
	for _, x := range prog.Externals {
		if name == x.Name || name == x.Namespace+"/"+x.Name {
			return x.CIDRs[0].String()
		}
	}
	for _, d := range prog.Databases {
		if !d.InCluster() && (name == d.Name || name == d.Namespace+"/"+d.Name) {
			return d.CIDRs[0].String()
		}
	}
	return name
}

func verdict(a *engine.Answer) string {
	switch {
	case a.Missing != "":
		return "denied (" + a.Missing + ")"
	case a.Permitted && a.Port.Set:
		return "allowed"
	case a.Permitted:
		return "allowed: " + a.Allowed.String()
	}
	return "denied"
}

func writeExplainText(e env, a *engine.Answer, intents bool, opens, near []engine.Intent) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s => %s on %s: %s\n", a.Src, a.Dst, a.Port, verdict(a))
	if intents {
		switch {
		case len(opens) > 0:
			b.WriteString("opened by:\n")
			for _, it := range opens {
				fmt.Fprintf(&b, "  %s: %s\n", it.Span, it.Text)
			}
		case a.Permitted:
			b.WriteString("opened by no intent: it is the cluster DNS path every pod of a locked-down namespace gets (netc.hcl dns), or outside what netc locks down\n")
		case len(near) > 0:
			b.WriteString("no intent opens it; nearest:\n")
			for _, it := range near {
				fmt.Fprintf(&b, "  %s: %s (%s)\n", it.Span, it.Text, it.Why)
			}
		default:
			b.WriteString("no intent opens it, nor one near it\n")
		}
	}
	side := func(dir string, s engine.Side) {
		defer func() {
			for _, m := range s.Admin {
				fmt.Fprintf(&b, "  %s %s %s\n", m.Rule, actionVerb[m.Rule.Action], m.Conn)
			}
		}()
		switch {
		case s.Subject == nil:
			fmt.Fprintf(&b, "%s: addresses are not subject to policies\n", dir)
			return
		case len(s.Policies) == 0:
			fmt.Fprintf(&b, "%s of %s: no NetworkPolicy selects it, so it is not isolated\n", dir, s.Subject)
			return
		}
		var ps []string
		for _, p := range s.Policies {
			ps = append(ps, policyName(p))
		}
		fmt.Fprintf(&b, "%s of %s: selected by %s\n", dir, s.Subject, strings.Join(ps, ", "))
		if len(s.Rules) == 0 {
			fmt.Fprintf(&b, "  no rule of theirs matches the other end\n")
		}
		for _, r := range s.Rules {
			fmt.Fprintf(&b, "  %s %s allows %s\n", r.Rule.Policy, r.Rule, r.Conn)
		}
	}
	side("egress", a.Egress)
	side("ingress", a.Ingress)
	fmt.Fprint(e.stdout, b.String())
}

var actionVerb = map[string]string{"Allow": "allows", "Deny": "denies", "Pass": "passes on"}

func policyName(p *engine.Policy) string {
	if p.Span.IsValid() {
		return fmt.Sprintf("%s (%s)", p, p.Span)
	}
	return p.String()
}

type jsonIntent struct {
	At     string `json:"at"`
	Intent string `json:"intent"`
	Why    string `json:"why,omitempty"`
}

type jsonRule struct {
	Policy string `json:"policy"`
	At     string `json:"at,omitempty"`
	Rule   string `json:"rule"`
	Allows string `json:"allows"`
}

type jsonSide struct {
	Subject  string      `json:"subject,omitempty"`
	Isolated bool        `json:"isolated"`
	Policies []string    `json:"policies"`
	Rules    []jsonRule  `json:"rules"`
	Admin    []jsonAdmin `json:"admin,omitempty"`
	Allows   string      `json:"allows"`
}

// jsonAdmin is an admin policy rule and the connections it decides for the pair.
type jsonAdmin struct {
	Policy string `json:"policy"`
	Rule   string `json:"rule"`
	Action string `json:"action"`
	Conn   string `json:"conn"`
}

func writeExplainJSON(e env, a *engine.Answer, opens, near []engine.Intent) error {
	side := func(s engine.Side) jsonSide {
		j := jsonSide{Isolated: len(s.Policies) > 0, Policies: []string{}, Rules: []jsonRule{}, Allows: s.Conn.String()}
		if s.Subject != nil {
			j.Subject = s.Subject.String()
		}
		for _, p := range s.Policies {
			j.Policies = append(j.Policies, p.String())
		}
		for _, r := range s.Rules {
			at := ""
			if r.Rule.Policy.Span.IsValid() {
				at = r.Rule.Policy.Span.String()
			}
			j.Rules = append(j.Rules, jsonRule{r.Rule.Policy.String(), at, r.Rule.String(), r.Conn.String()})
		}
		for _, m := range s.Admin {
			j.Admin = append(j.Admin, jsonAdmin{m.Rule.Policy.String(), m.Rule.Name, m.Rule.Action, m.Conn.String()})
		}
		return j
	}
	out := struct {
		Src         string       `json:"src"`
		Dst         string       `json:"dst"`
		Port        string       `json:"port"`
		Allowed     bool         `json:"allowed"`
		Connections string       `json:"connections"`
		Reason      string       `json:"reason,omitempty"`
		Intents     []string     `json:"intents"`
		Nearest     []jsonIntent `json:"nearest"`
		Egress      jsonSide     `json:"egress"`
		Ingress     jsonSide     `json:"ingress"`
	}{Src: a.Src.String(), Dst: a.Dst.String(), Port: a.Port.String(), Allowed: a.Permitted,
		Connections: a.Allowed.String(), Reason: a.Missing, Intents: []string{}, Nearest: []jsonIntent{},
		Egress: side(a.Egress), Ingress: side(a.Ingress)}
	for _, it := range opens {
		out.Intents = append(out.Intents, it.Span.String())
	}
	for _, it := range near {
		out.Nearest = append(out.Nearest, jsonIntent{it.Span.String(), it.Text, it.Why})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
