package engine

import (
	"cmp"
	"slices"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
)

// AllNamespaces is the namespace of a permission that holds everywhere: a cluster
// grant (ClusterRoleBinding) on a namespaced resource, or a cluster-scoped resource.
const AllNamespaces = "*"

// Permission is one RBAC request a subject may make: Verb on Resource (as a grant
// writes it: "pods/log", "deployments", "certificates.cert-manager.io"), in Namespace
// (AllNamespaces for a cluster grant or a cluster-scoped resource), on the object Name
// ("" for every name).
type Permission struct {
	Subject   string // "group developers", "user alice", "serviceaccount ns/name"
	Namespace string
	Verb      string
	Resource  string
	Name      string
	// Via is how the subject holds it when not by its own grants: the account it acts
	// as ("as serviceaccount shop/backend, by create deployments"). Not part of the
	// permission's identity.
	Via string
}

func (p Permission) key() Permission { p.Via = ""; return p }

// Describe is the permission as a grant says it: "group dev can get pods in shop".
func (p Permission) Describe() string {
	s := p.Subject + " can " + p.Verb + " " + p.Resource
	if p.Name != "" {
		s += " named " + p.Name
	}
	if p.Namespace == AllNamespaces {
		s += " in cluster"
	} else {
		s += " in " + p.Namespace
	}
	if p.Via != "" {
		s += " (" + p.Via + ")"
	}
	return s
}

func comparePermission(a, b Permission) int {
	return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(a.Namespace, b.Namespace),
		strings.Compare(a.Resource, b.Resource), strings.Compare(a.Verb, b.Verb), strings.Compare(a.Name, b.Name))
}

func permissionOf(req k8sapi.Request, subject string) Permission {
	ns := req.Namespace
	if ns == "" || (req.Resource.Builtin && !req.Resource.Namespaced) {
		ns = AllNamespaces
	}
	return Permission{Subject: subject, Namespace: ns, Verb: req.Verb, Resource: req.Resource.Short(), Name: req.Name}
}

// Permissions lists every request grants allow, one per subject, namespace, verb,
// resource and name, sorted and de-duplicated. With eff (the program's effective
// privileges, nil for none) it adds what each subject can do by acting as the
// ServiceAccounts it can run pods as, exec into or mint tokens of, with Via saying
// through which account; the subject's own permissions are not repeated.
func Permissions(grants []*ir.Grant, eff *k8sapi.Effective) []Permission {
	var out []Permission
	own := map[Permission]bool{}
	subjects := map[ir.SubjectID]ir.Subject{}
	var order []ir.SubjectID
	for _, g := range grants {
		subj := g.Subject.Key()
		for req := range k8sapi.Requests(g, g.Subject) {
			p := permissionOf(req, subj)
			if !own[p] {
				own[p] = true
				out = append(out, p)
			}
		}
		if id := g.Subject.ID(); subjects[id].Kind == "" {
			subjects[id] = g.Subject
			order = append(order, id)
		}
	}
	if eff != nil {
		for _, id := range order {
			out = appendEffective(out, own, eff, subjects[id])
		}
	}
	slices.SortFunc(out, comparePermission)
	return out
}

// appendEffective adds what s holds through the accounts it can act as, breadth
// first, so Via names a shortest path's last account.
func appendEffective(out []Permission, own map[Permission]bool, eff *k8sapi.Effective, s ir.Subject) []Permission {
	subj := s.Key()
	seen := map[ir.SubjectID]bool{s.ID(): true}
	queue := []ir.Subject{s}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, st := range eff.ActsAs(cur) {
			a := st.Account
			if seen[a.ID()] {
				continue
			}
			seen[a.ID()] = true
			queue = append(queue, a)
			via := "as " + a.Key() + ", by " + st.Via.How
			for _, g := range eff.GrantedTo(a) {
				p := permissionOf(g.Request, subj)
				if !own[p] {
					own[p] = true
					p.Via = via
					out = append(out, p)
				}
			}
		}
		// Workload writes mount every Secret and ConfigMap of their namespaces.
		for _, ra := range eff.RunAsOf(cur) {
			if !ra.Mounts {
				continue
			}
			nss := ra.Grant.Namespaces
			if ra.Grant.Cluster {
				nss = []string{AllNamespaces}
			}
			for _, ns := range nss {
				for _, res := range []string{"secrets", "configmaps"} {
					p := Permission{Subject: subj, Namespace: ns, Verb: "get", Resource: res}
					if !own[p] {
						own[p] = true
						p.Via = "mounted in a pod, by " + ra.How
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// SQLPrivilege is one privilege a database role holds, or a login's membership of a
// role (Privilege "MEMBER", Object "role NAME").
type SQLPrivilege struct {
	Database  string // NS/NAME, netc's name of the database
	Role      string
	Privilege string // SELECT, INSERT, ..., MEMBER
	Object    string // "table public.orders", "schema public", "role app_rw"
}

func compareSQL(a, b SQLPrivilege) int {
	return cmp.Or(strings.Compare(a.Database, b.Database), strings.Compare(a.Role, b.Role),
		strings.Compare(a.Object, b.Object), strings.Compare(a.Privilege, b.Privilege))
}

// SQLPrivileges lists what the SQL scripts of p grant: each declared role's
// privileges and each login's memberships, sorted. Roles netc does not manage (used
// by `as role` without a declaration) have no privileges listed.
func SQLPrivileges(p *ir.Program) []SQLPrivilege {
	var out []SQLPrivilege
	dbName := func(d *ir.Database) string { return d.Namespace + "/" + d.Name }
	for _, r := range p.Roles {
		for _, pv := range r.Privileges {
			obj := string(pv.Kind) + " " + pv.Schema
			if pv.Kind != ir.Schema {
				obj += "." + pv.Object
			}
			out = append(out, SQLPrivilege{dbName(r.Database), r.Name, pv.Action, obj})
		}
	}
	for _, l := range p.Logins {
		for _, r := range l.Roles {
			out = append(out, SQLPrivilege{dbName(l.Database), l.Name, "MEMBER", "role " + r.Name})
		}
	}
	slices.SortFunc(out, compareSQL)
	return slices.Compact(out)
}

// setDiff returns what b has and a lacks, and what a has and b lacks; both sorted.
func setDiff[T any, K comparable](a, b []T, key func(T) K) (added, removed []T) {
	in := func(xs []T) map[K]bool {
		m := make(map[K]bool, len(xs))
		for _, x := range xs {
			m[key(x)] = true
		}
		return m
	}
	ina, inb := in(a), in(b)
	for _, x := range b {
		if !ina[key(x)] {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !inb[key(x)] {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// Version is one side of a diff: its cluster (whose connectivity maps are compared),
// RBAC permissions and SQL privileges.
type Version struct {
	Cluster     *Cluster
	Permissions []Permission
	SQL         []SQLPrivilege
}

// Report is what changed from one side to the other.
type Report struct {
	Network                []Change
	RBACAdded, RBACRemoved []Permission
	SQLAdded, SQLRemoved   []SQLPrivilege
}

// Compare computes the report from old to new.
func Compare(old, new *Version) *Report {
	r := &Report{Network: DiffClusters(old.Cluster, new.Cluster)}
	r.RBACAdded, r.RBACRemoved = setDiff(old.Permissions, new.Permissions, Permission.key)
	r.SQLAdded, r.SQLRemoved = setDiff(old.SQL, new.SQL, func(p SQLPrivilege) SQLPrivilege { return p })
	return r
}

// Empty reports whether nothing changed.
func (r *Report) Empty() bool {
	return len(r.Network) == 0 && len(r.RBACAdded) == 0 && len(r.RBACRemoved) == 0 && len(r.SQLAdded) == 0 && len(r.SQLRemoved) == 0
}

// ClusterVersion is the diff side of manifests: the cluster's map and the
// permissions its RBAC objects give.
func ClusterVersion(c *Cluster) *Version {
	return &Version{Cluster: c, Permissions: c.Permissions()}
}
