package k8sapi

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
)

// Effective privileges. RBAC answers what a subject may ask the API server for; what it
// can bring about is more. Kubernetes' "RBAC good practices" lists the paths: a subject
// that can create or change workloads in a namespace can run a pod as any ServiceAccount
// there and mount any of its Secrets and ConfigMaps; one that can exec into or attach to
// pods acts with their accounts; one that can create serviceaccounts/token (or impersonate
// serviceaccounts) mints credentials of those accounts. The effective privileges of a
// subject are its own and, transitively, those of every account it can act as.

// PodRunners are the resources whose create (or, for controllers, update of the pod
// template) runs pods: the pod itself and every built-in kind that manages pods.
var PodRunners = []Resource{
	mustBuiltin(Core, "pods"),
	mustBuiltin(Core, "replicationcontrollers"),
	mustBuiltin("apps", "daemonsets"),
	mustBuiltin("apps", "deployments"),
	mustBuiltin("apps", "replicasets"),
	mustBuiltin("apps", "statefulsets"),
	mustBuiltin("batch", "cronjobs"),
	mustBuiltin("batch", "jobs"),
}

var (
	podExec      = Resource{Group: Core, Name: "pods", Subresource: "exec", Namespaced: true, Builtin: true}
	podAttach    = Resource{Group: Core, Name: "pods", Subresource: "attach", Namespaced: true, Builtin: true}
	podEphemeral = Resource{Group: Core, Name: "pods", Subresource: "ephemeralcontainers", Namespaced: true, Builtin: true}
	saToken      = Resource{Group: Core, Name: "serviceaccounts", Subresource: "token", Namespaced: true, Builtin: true}
	serviceAccts = mustBuiltin(Core, "serviceaccounts")
	secrets      = mustBuiltin(Core, "secrets")
	configMaps   = mustBuiltin(Core, "configmaps")
)

// RunAs is one way a grant lets its subject act as ServiceAccounts: where (the grant's
// namespaces, or every namespace), as which accounts (Names, or every account there) and
// whether it also mounts every Secret and ConfigMap of the namespace.
type RunAs struct {
	Grant *ir.Grant
	// How says what the grant allows, for messages: "create pods", "exec into pods".
	How string
	// Names limits the accounts (serviceaccounts/token or impersonate with `named`).
	Names []string
	// Mounts is true for workload writes: a pod spec may mount any Secret or ConfigMap.
	Mounts bool
}

// appliesIn reports whether the run-as path works in namespace ns.
func (r RunAs) appliesIn(ns string) bool {
	return r.Grant.Cluster || slices.Contains(r.Grant.Namespaces, ns)
}

func (r RunAs) reaches(account string) bool {
	return len(r.Names) == 0 || slices.Contains(r.Names, account)
}

// RunAsPaths lists the ways grant g lets its subject act as ServiceAccounts, at most one
// per kind of path, in a fixed order: workloads, exec, attach, ephemeral containers,
// token, impersonation.
func RunAsPaths(g *ir.Grant) []RunAs {
	var out []RunAs
	covered := func(verbs []string, res Resource) (string, []string, bool) {
		for _, r := range g.Rules {
			if r.APIGroup != res.Group && r.APIGroup != All {
				continue
			}
			for _, v := range verbs {
				if Covers(r, v, res) {
					return v, r.ResourceNames, true
				}
			}
		}
		return "", nil, false
	}
	for _, res := range PodRunners {
		if v, _, ok := covered([]string{"create", "update", "patch"}, res); ok {
			out = append(out, RunAs{Grant: g, How: v + " " + res.Short(), Mounts: true})
			break
		}
	}
	// Older API servers authorise a websocket exec or attach as get; count both.
	if _, _, ok := covered([]string{"create", "get"}, podExec); ok {
		out = append(out, RunAs{Grant: g, How: "exec into pods"})
	}
	if _, _, ok := covered([]string{"create", "get"}, podAttach); ok {
		out = append(out, RunAs{Grant: g, How: "attach to pods"})
	}
	if _, _, ok := covered([]string{"update", "patch"}, podEphemeral); ok {
		out = append(out, RunAs{Grant: g, How: "add ephemeral containers to pods"})
	}
	if _, names, ok := covered([]string{"create"}, saToken); ok {
		out = append(out, RunAs{Grant: g, How: "create serviceaccounts/token", Names: names})
	}
	if _, names, ok := covered([]string{"impersonate"}, serviceAccts); ok {
		out = append(out, RunAs{Grant: g, How: "impersonate serviceaccounts", Names: names})
	}
	return out
}

// Step is one hop of an effective-privilege path: By acts as Account through Via.
type Step struct {
	By      ir.Subject
	Via     RunAs
	Account ir.Subject
}

// EffectiveDecision is the answer about effective privileges: the RBAC decision that
// settled it (for the subject itself, or for the last account of Path), and the path.
type EffectiveDecision struct {
	Decision
	// Path is empty when the subject's own grants decide.
	Path []Step
	// Mount is set when the request is allowed because the last subject of the path can
	// mount the Secret or ConfigMap in a pod it creates: Mount is that run-as path.
	Mount   *RunAs
	MountNS string
}

// Explain renders the path for a diagnostic, one clause per hop: "serviceaccount
// ci/deployer can create pods in shop (a.net:3:1), so it can act as serviceaccount
// shop/backend", and for a mount "... so it can mount every secret and configmap of
// shop in a pod".
func (d EffectiveDecision) Explain() []string {
	var parts []string
	for _, s := range d.Path {
		parts = append(parts, fmt.Sprintf("%s can %s in %s (%s), so it can act as %s", s.By.Key(), s.Via.How, s.Account.Namespace, s.Via.Grant.Span, s.Account.Key()))
	}
	if d.Mount != nil {
		by := d.Mount.Grant.Subject.Key()
		if len(d.Path) > 0 {
			by = d.Path[len(d.Path)-1].Account.Key()
		}
		parts = append(parts, fmt.Sprintf("%s can %s in %s (%s), so it can mount every secret and configmap there in a pod", by, d.Mount.How, d.MountNS, d.Mount.Grant.Span))
	}
	return parts
}

// Effective answers questions about effective privileges over a program's grants and
// ServiceAccounts.
type Effective struct {
	Eval     *Evaluator
	accounts map[string][]ir.Subject // by namespace, in first-seen order
	runAs    map[subjectKey][]RunAs
	// memo: RunAsOf, ActsAs and the holders, by subject
	runAsOf map[subjectKey][]RunAs
	actsAs  map[subjectKey][]Step
	holders map[subjectKey]*holder
	granted map[subjectKey][]Granted
	allNS   []string // namespaces with accounts, in first-seen order
}

// Accounts lists the ServiceAccounts of p that pods may run as and that can hold rights:
// the accounts of its services, the `serviceaccount NS/NAME` subjects of its grants, the
// accounts that user grants name as system:serviceaccount:NS:NAME, and the default
// account of each namespace whose group system:serviceaccounts:NS has a grant.
func Accounts(p *ir.Program) []ir.Subject {
	seen := make(map[subjectKey]bool, len(p.Services))
	var out []ir.Subject
	if len(p.Services) > 0 { // every service adds its account
		out = make([]ir.Subject, 0, len(p.Services))
	}
	add := func(ns, name string) {
		s := ir.Subject{Kind: ir.ServiceAccount, Namespace: ns, Name: name}
		if k := keyOf(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	for _, s := range p.Services {
		add(s.Namespace, s.Account)
	}
	for _, g := range p.Grants {
		switch s := g.Subject; s.Kind {
		case ir.ServiceAccount:
			add(s.Namespace, s.Name)
		case ir.User:
			if rest, ok := strings.CutPrefix(s.Name, "system:serviceaccount:"); ok {
				if ns, name, ok := strings.Cut(rest, ":"); ok && ns != "" && name != "" {
					add(ns, name)
				}
			}
		case ir.Group:
			if ns, ok := strings.CutPrefix(s.Name, "system:serviceaccounts:"); ok && ns != "" {
				add(ns, "default")
			}
		}
	}
	return out
}

// NewEffective indexes p's grants and accounts.
func NewEffective(p *ir.Program) *Effective {
	e := &Effective{Eval: NewEvaluator(p.Grants), accounts: map[string][]ir.Subject{}, runAs: map[subjectKey][]RunAs{},
		runAsOf: map[subjectKey][]RunAs{}, actsAs: map[subjectKey][]Step{}, holders: map[subjectKey]*holder{},
		granted: map[subjectKey][]Granted{}}
	for _, a := range Accounts(p) {
		if _, ok := e.accounts[a.Namespace]; !ok {
			e.allNS = append(e.allNS, a.Namespace)
		}
		e.accounts[a.Namespace] = append(e.accounts[a.Namespace], a)
	}
	for _, g := range p.Grants {
		if paths := RunAsPaths(g); len(paths) > 0 {
			k := keyOf(g.Subject)
			e.runAs[k] = append(e.runAs[k], paths...)
		}
	}
	return e
}

// RunAsOf lists the run-as paths that apply to requests of s: those of its own grants
// and of the groups every request of s carries, in program order.
func (e *Effective) RunAsOf(s ir.Subject) []RunAs {
	return memo(e.runAsOf, s, e.runAsOfNew)
}

// memo returns m's entry for s, computing it with f the first time.
func memo[T any](m map[subjectKey]T, s ir.Subject, f func(ir.Subject) T) T {
	k := keyOf(s)
	if v, ok := m[k]; ok {
		return v
	}
	v := f(s)
	m[k] = v
	return v
}

func (e *Effective) runAsOfNew(s ir.Subject) []RunAs {
	var out []RunAs
	for _, id := range identities(s) {
		out = append(out, e.runAs[id]...)
	}
	slices.SortStableFunc(out, func(a, b RunAs) int { return a.Grant.Span.Compare(b.Grant.Span) })
	return out
}

// ActsAs lists the accounts s can act as directly (one hop), each with the first path
// that reaches it; s itself is left out.
func (e *Effective) ActsAs(s ir.Subject) []Step {
	return memo(e.actsAs, s, e.actsAsNew)
}

func (e *Effective) actsAsNew(s ir.Subject) []Step {
	var out []Step
	seen := map[subjectKey]bool{keyOf(s): true}
	for _, ra := range e.RunAsOf(s) {
		nss := e.allNS
		if !ra.Grant.Cluster {
			nss = ra.Grant.Namespaces
		}
		for _, ns := range nss {
			for _, a := range e.accounts[ns] {
				if k := keyOf(a); !seen[k] && ra.reaches(a.Name) {
					seen[k] = true
					out = append(out, Step{By: s, Via: ra, Account: a})
				}
			}
		}
	}
	return out
}

// Mounts returns the first run-as path of s that mounts the Secrets and ConfigMaps of
// namespace ns, or nil.
func (e *Effective) Mounts(s ir.Subject, ns string) *RunAs {
	for _, ra := range e.RunAsOf(s) {
		if ra.Mounts && ra.appliesIn(ns) {
			return &ra
		}
	}
	return nil
}

// mountable reports whether req is a read that a pod's volume gives: get of one Secret
// or ConfigMap in a namespace.
func mountable(req Request) bool {
	if req.Verb != "get" || req.Namespace == "" || req.Resource.Subresource != "" {
		return false
	}
	r := req.Resource
	return (r.Group == secrets.Group && r.Name == secrets.Name) || (r.Group == configMaps.Group && r.Name == configMaps.Name)
}

// Decide answers req with effective privileges: the subject's own grants first, then a
// mount, then the accounts it can act as, breadth first, so the path is a shortest one.
func (e *Effective) Decide(req Request) EffectiveDecision {
	own := e.Eval.Decide(req)
	if own.Allowed {
		return EffectiveDecision{Decision: own}
	}
	type node struct {
		subj ir.Subject
		path []Step
	}
	seen := map[subjectKey]bool{keyOf(req.Subject): true}
	queue := []node{{subj: req.Subject}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if len(n.path) > 0 {
			r := req
			r.Subject = n.subj
			if d := e.Eval.Decide(r); d.Allowed {
				return EffectiveDecision{Decision: d, Path: n.path}
			}
		}
		if mountable(req) {
			if m := e.Mounts(n.subj, req.Namespace); m != nil {
				d := Decision{Allowed: true, Grant: m.Grant, Reason: fmt.Sprintf("%s can %s %s in %s", n.subj.Key(), req.Verb, req.Resource.Short(), req.Namespace)}
				return EffectiveDecision{Decision: d, Path: n.path, Mount: m, MountNS: req.Namespace}
			}
		}
		for _, st := range e.ActsAs(n.subj) {
			if k := keyOf(st.Account); !seen[k] {
				seen[k] = true
				queue = append(queue, node{subj: st.Account, path: append(slices.Clip(n.path), st)})
			}
		}
	}
	return EffectiveDecision{Decision: own}
}

// GrantsOf lists the grants that apply to s for being who it is: its own and those of
// the user and groups of a ServiceAccount, in program order. Grants to
// system:authenticated are left out: they apply to everyone alike.
func (e *Evaluator) GrantsOf(s ir.Subject) []*ir.Grant {
	var idx []int
	for _, id := range identities(s) {
		if id.kind == ir.Group && id.name == "system:authenticated" && !(s.Kind == ir.Group && s.Name == id.name) {
			continue
		}
		idx = append(idx, e.bySubject[id]...)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	out := make([]*ir.Grant, len(idx))
	for i, j := range idx {
		out[i] = e.grants[j]
	}
	return out
}

// AccountsIn lists the accounts of namespace ns, or of every namespace when cluster.
func (e *Effective) AccountsIn(nss []string, cluster bool) []ir.Subject {
	if cluster {
		nss = e.allNS
	}
	var out []ir.Subject
	for _, ns := range nss {
		out = append(out, e.accounts[ns]...)
	}
	return out
}

// Holds reports whether s itself, without acting as another account, can do req: its
// grants allow it, or it is a get of a Secret or ConfigMap it can mount in a pod. It is
// meant for many questions about few subjects: each subject's grants are gathered once.
func (e *Effective) Holds(req Request) bool {
	k := keyOf(req.Subject)
	h := e.holders[k]
	if h == nil {
		h = &holder{mounts: map[string]bool{}}
		for _, id := range identities(req.Subject) {
			for _, i := range e.Eval.bySubject[id] {
				h.grants = append(h.grants, e.Eval.grants[i])
			}
		}
		for _, ra := range e.RunAsOf(req.Subject) {
			if ra.Mounts {
				if ra.Grant.Cluster {
					h.mountsAll = true
				}
				for _, ns := range ra.Grant.Namespaces {
					h.mounts[ns] = true
				}
			}
		}
		e.holders[k] = h
	}
	if mountable(req) && (h.mountsAll || h.mounts[req.Namespace]) {
		return true
	}
	return h.allows(req)
}

// holder is one subject's grants (through all its identities) and where it mounts.
type holder struct {
	grants    []*ir.Grant
	mounts    map[string]bool
	mountsAll bool
}

// allows is Evaluator.Decide's Allowed, without its reasons.
func (h *holder) allows(req Request) bool {
	ns := req.Namespace
	if req.Resource.Builtin && !req.Resource.Namespaced {
		ns = ""
	}
	name := req.Name
	if req.Verb == "create" && req.Resource.Subresource == "" {
		name = ""
	}
	for _, g := range h.grants {
		if !g.Cluster && (ns == "" || !slices.Contains(g.Namespaces, ns)) {
			continue
		}
		for _, r := range g.Rules {
			if Covers(r, req.Verb, req.Resource) && nameMatches(r.ResourceNames, name) {
				return true
			}
		}
	}
	return false
}

// Requests yields the requests that grant g allows, made by subj: each verb on each
// resource of each rule, in each namespace of the grant ("" for a cluster grant: across
// all namespaces, or a cluster-scoped resource), for each of its names ("" without).
func Requests(g *ir.Grant, subj ir.Subject) iter.Seq[Request] {
	return func(yield func(Request) bool) {
		nss := g.Namespaces
		if g.Cluster {
			nss = []string{""}
		}
		for _, r := range g.Rules {
			names := r.ResourceNames
			if len(names) == 0 {
				names = []string{""}
			}
			for _, rn := range r.Resources {
				name, sub, _ := strings.Cut(rn, "/")
				res := Resource{Group: r.APIGroup, Name: name, Subresource: sub, Namespaced: Namespaced(r.APIGroup, rn)}
				_, res.Builtin = byGroupResource[groupResource{r.APIGroup, name}]
				for _, v := range r.Verbs {
					for _, ns := range nss {
						for _, n := range names {
							if !yield(Request{Subject: subj, Verb: v, Resource: res, Namespace: ns, Name: n}) {
								return
							}
						}
					}
				}
			}
		}
	}
}

// Describe renders a request as a user writes a grant: "create networkpolicies in shop",
// "get secrets named stripe-key in shop", "get nodes".
func (req Request) Describe() string {
	s := req.Verb + " " + req.Resource.Short()
	if req.Name != "" {
		s += " named " + req.Name
	}
	switch {
	case req.Resource.Builtin && !req.Resource.Namespaced:
	case req.Namespace == "":
		s += " in every namespace"
	default:
		s += " in " + req.Namespace
	}
	return s
}

// Granted is one request a grant allows.
type Granted struct {
	Request
	Grant *ir.Grant
}

// GrantedTo lists the requests that a's grants allow it (Requests of each grant of
// GrantsOf), computed once per subject. The result must not be changed.
func (e *Effective) GrantedTo(a ir.Subject) []Granted {
	return memo(e.granted, a, func(a ir.Subject) []Granted {
		var out []Granted
		for _, g := range e.Eval.GrantsOf(a) {
			for req := range Requests(g, a) {
				out = append(out, Granted{req, g})
			}
		}
		return out
	})
}

// Targets lists where run-as path ra reaches accounts: for each namespace, the account
// names it is limited to (nil: every account there).
func (e *Effective) Targets(ra RunAs) []string {
	if ra.Grant.Cluster {
		return e.allNS
	}
	return ra.Grant.Namespaces
}
