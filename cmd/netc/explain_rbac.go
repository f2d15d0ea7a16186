package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// rbacQuestion is `netc explain SUBJECT [can] VERB RESOURCE [named NAME] [in NS]`.
type rbacQuestion struct {
	kind      ir.SubjectKind // "" for a service's name (intents)
	subject   string         // the name, NS/NAME for an account
	verb      string
	resource  k8sapi.Resource
	name      string
	namespace string // "" when not given
	cluster   bool   // in cluster
}

var subjectWords = map[string]ir.SubjectKind{"group": ir.Group, "user": ir.User, "serviceaccount": ir.ServiceAccount}

// parseRBACQuestion recognises the RBAC form of explain and splits off its inputs:
// it starts with group, user or serviceaccount, or its second word is can, or a
// Kubernetes verb followed by a word that is not a file (SRC DST reads no verb).
func parseRBACQuestion(args []string) (q rbacQuestion, inputs []string, ok bool, err error) {
	i := 0
	if k, isSubj := subjectWords[args[0]]; isSubj && len(args) > 1 {
		q.kind, q.subject, i = k, args[1], 2
	} else {
		q.subject, i = args[0], 1
		switch {
		case len(args) > 1 && args[1] == "can":
		case len(args) > 2 && (slices.Contains(k8sapi.Verbs, args[1]) || args[1] == "*") && !exists(args[2]):
		default:
			return q, nil, false, nil
		}
	}
	if i < len(args) && args[i] == "can" {
		i++
	}
	if i+2 > len(args) {
		return q, nil, true, fmt.Errorf("want SUBJECT VERB RESOURCE [named NAME] [in NAMESPACE|cluster]")
	}
	q.verb = args[i]
	if q.resource, err = k8sapi.Lookup(args[i+1]); err != nil {
		return q, nil, true, err
	}
	i += 2
	for i+1 < len(args) && (args[i] == "named" || args[i] == "in") {
		if args[i] == "named" {
			q.name = args[i+1]
		} else if args[i+1] == "cluster" {
			q.cluster = true
		} else {
			q.namespace = args[i+1]
		}
		i += 2
	}
	if q.kind == ir.ServiceAccount && !strings.Contains(q.subject, "/") {
		return q, nil, true, fmt.Errorf("serviceaccount %s: name it as NAMESPACE/NAME", q.subject)
	}
	return q, args[i:], true, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || p == stdinArg
}

// subject resolves the question's subject; for a bare name, the ServiceAccount of the
// service of that name (NS/NAME, or NAME when one namespace has it).
func (q rbacQuestion) irSubject(prog *ir.Program) (ir.Subject, error) {
	switch q.kind {
	case ir.Group, ir.User:
		return ir.Subject{Kind: q.kind, Name: q.subject}, nil
	case ir.ServiceAccount:
		ns, name, _ := strings.Cut(q.subject, "/")
		return ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: name}, nil
	}
	if prog == nil {
		return ir.Subject{}, fmt.Errorf("%s: with --manifests, name the subject as group NAME, user NAME or serviceaccount NAMESPACE/NAME", q.subject)
	}
	var found []*ir.Service
	for _, s := range prog.Services {
		if q.subject == s.Namespace+"/"+s.Name || q.subject == s.Name {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return ir.Subject{}, fmt.Errorf("no service %s (a group, user or serviceaccount needs its word before the name)", q.subject)
	case 1:
		s := found[0]
		return ir.Subject{Kind: ir.ServiceAccount, Namespace: s.Namespace, Name: s.Account, Service: s}, nil
	}
	var names []string
	for _, s := range found {
		names = append(names, s.Namespace+"/"+s.Name)
	}
	return ir.Subject{}, fmt.Errorf("service %s is ambiguous: %s", q.subject, strings.Join(names, ", "))
}

// request is the question as the evaluator takes it. Without `in`, a namespaced
// resource is asked about in the subject's namespace (an account's), else default.
func (q rbacQuestion) request(s ir.Subject) k8sapi.Request {
	ns := q.namespace
	switch {
	case q.cluster:
		ns = ""
	case ns == "" && s.Kind == ir.ServiceAccount:
		ns = s.Namespace
	case ns == "":
		ns = "default"
	}
	return k8sapi.Request{Subject: s, Verb: q.verb, Resource: q.resource, Namespace: ns, Name: q.name}
}

// rbacAnswer is what explain prints for an RBAC question.
type rbacAnswer struct {
	Question string   `json:"question"`
	Allowed  bool     `json:"allowed"`
	Reason   string   `json:"reason"`
	Grants   []string `json:"grants"`         // intents: the grant that decides, file:line:col
	Path     []string `json:"path,omitempty"` // intents: how effective privileges reach it
	Binding  string   `json:"binding,omitempty"`
	Role     string   `json:"role,omitempty"`
	Rule     string   `json:"rule,omitempty"`
	At       string   `json:"at,omitempty"` // manifests: the binding's file:line
}

func explainRBAC(c *cobra.Command, e env, q rbacQuestion, inputs []string, in inputFlags, format string) error {
	// The RBAC question needs no NetworkPolicy: build none.
	cl, prog, err := loadCluster(c, e, inputs, in, func(*ir.Program) func(string) bool {
		return func(string) bool { return false }
	})
	if err != nil {
		return err
	}
	subj, err := q.irSubject(prog)
	if err != nil {
		return usagef(c, "%v", err)
	}
	req := q.request(subj)
	a := rbacAnswer{Question: subj.Key() + " " + req.Describe(), Grants: []string{}}
	if prog != nil {
		d := k8sapi.NewEffective(prog).Decide(req)
		a.Allowed, a.Reason, a.Path = d.Allowed, d.Reason, d.Explain()
		if d.Grant != nil {
			a.Grants = append(a.Grants, d.Grant.Span.String())
		}
	} else {
		// Bindings that grant nothing (their role is missing) are worth a warning here.
		_, warns := cl.RBACGrants()
		if err := diag.WriteText(e.stderr, warns, in.maxDiags); err != nil {
			return err
		}
		d := cl.Authorize(req)
		a.Allowed, a.Reason = d.Allowed, d.Reason
		if o := d.Origin; o != nil {
			a.Binding, a.Role, a.Rule = o.Binding.String(), o.Role.String(), ruleText(o.Rule)
			if o.Rule.From != o.Role {
				a.Rule = "by aggregation, " + a.Rule
			}
			if o.Binding.Span.IsValid() {
				a.At = o.Binding.Span.String()
			}
		}
		if !d.Allowed {
			a.Reason = manifestReason(d, req)
		}
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(a)
	}
	var b strings.Builder
	verdict := "denied"
	if a.Allowed {
		verdict = "allowed"
	}
	fmt.Fprintf(&b, "%s: %s\n", a.Question, verdict)
	switch {
	case prog != nil && a.Allowed && len(a.Path) == 0:
		fmt.Fprintf(&b, "granted by %s: %s\n", a.Grants[0], a.Reason)
	case prog != nil && a.Allowed:
		b.WriteString("through effective privileges:\n")
		for _, p := range a.Path {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		fmt.Fprintf(&b, "  %s (%s)\n", a.Reason, a.Grants[0])
	case prog != nil && len(a.Grants) > 0:
		fmt.Fprintf(&b, "nearest grant %s: %s\n", a.Grants[0], a.Reason)
	case a.Allowed:
		fmt.Fprintf(&b, "allowed by %s", a.Binding)
		if a.At != "" {
			fmt.Fprintf(&b, " (%s)", a.At)
		}
		fmt.Fprintf(&b, ", which binds %s; %s: %s\n", a.Role, a.Rule, a.Reason)
	case a.Binding != "":
		fmt.Fprintf(&b, "nearest: %s, which binds %s; %s: %s\n", a.Binding, a.Role, a.Rule, a.Reason)
	default:
		fmt.Fprintf(&b, "%s\n", a.Reason)
	}
	_, err = fmt.Fprint(e.stdout, b.String())
	return err
}

// ruleText is a rule as kubectl describe shows it: "rule #1 of ClusterRole view
// (apiGroups "", apps; resources pods, deployments; verbs get, list)".
func ruleText(r engine.RBACRule) string {
	groups := slices.Clone(r.Rule.APIGroups)
	for i, g := range groups {
		if g == "" {
			groups[i] = `""`
		}
	}
	s := fmt.Sprintf("%s (apiGroups %s; resources %s; verbs %s", r, strings.Join(groups, ", "),
		strings.Join(r.Rule.Resources, ", "), strings.Join(r.Rule.Verbs, ", "))
	if len(r.Rule.ResourceNames) > 0 {
		s += "; resourceNames " + strings.Join(r.Rule.ResourceNames, ", ")
	}
	return s + ")"
}

// manifestReason rewords the evaluator's reason, which speaks of grants, in the words
// of bindings.
func manifestReason(d engine.RBACDecision, req k8sapi.Request) string {
	if d.Origin == nil {
		where := " in " + req.Namespace
		if req.Namespace == "" || !req.Resource.Namespaced {
			where = ""
		}
		return fmt.Sprintf("no binding gives %s %s on %s%s", req.Subject.Key(), req.Verb, req.Resource.Short(), where)
	}
	return strings.ReplaceAll(d.Reason, "the grant", "the binding")
}
