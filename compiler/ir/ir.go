// Package ir is netc's resolved, canonical model of a program: what the backends read.
//
// Nothing in it needs a name lookup: every reference is a pointer to the value it names.
// Every slice is sorted and de-duplicated by the compiler's canonicalise stage, so a
// backend that walks the IR in order produces byte-stable output without sorting on its
// own. Every node keeps the span of the source construct it came from, so a backend
// that cannot express something can say where it came from.
package ir

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/netc-dev/netc/diag"
)

// Program is a whole compiled program (all input files together).
type Program struct {
	// Namespaces are the locked-down namespaces: each holds at least one service or
	// in-cluster database. Sorted.
	Namespaces []string
	// Services sorted by (Namespace, Name).
	Services []*Service
	// Databases sorted by (Namespace, Name); in-cluster ones and those with a CIDR.
	Databases []*Database
	// Externals sorted by (Namespace, Name).
	Externals []*External
	// Edges are the network paths the intents open, one per (source, target) of each
	// intent statement, sorted by (From.Key, To.Key, Span).
	Edges []*Edge
	// Roles are database roles, declared or implied by `as role`, sorted by
	// (Database.Namespace, Database.Name, Name).
	Roles []*Role
	// Logins are the database logins of services that reach a database `as role`,
	// sorted by (Database.Namespace, Database.Name, Name).
	Logins []*Login
	// Grants are the Kubernetes RBAC grants, in source order of their statements
	// (sorted by Span).
	Grants []*Grant
	// DNS is where every pod of a locked-down namespace may resolve names.
	DNS DNS
	// Cluster is the cluster's own networks (netc.hcl); every ipBlock leaves them out.
	Cluster Cluster
}

// Label is one key=value pair of a pod selector.
type Label struct {
	Key, Value string
}

// Service is a workload: the pods its labels select in its namespace.
type Service struct {
	Namespace, Name string
	Labels          []Label     // sorted by Key; default app=<Name>
	Ports           []NamedPort // declared named ports, sorted by Name
	Account         string      // its ServiceAccount name (default Name)
	Login           string      // its database login (default Name)
	// MountToken is true when the service has an RBAC grant, so its pods need the
	// ServiceAccount token.
	MountToken bool
	Declared   bool // false when the service exists only by being used
	// Exclusion leaves out the pods of narrower workloads that Labels also selects.
	Exclusion Exclusion
	Span      diag.Span
}

// NamedPort is `port NAME NUMBER` in a service block.
type NamedPort struct {
	Name     string
	Port     int32
	Protocol Protocol
	Span     diag.Span
}

// Engine is a database engine.
type Engine string

const (
	Postgres Engine = "postgres"
	MySQL    Engine = "mysql"
	MariaDB  Engine = "mariadb"
)

// SQLBookkeeping is the MySQL and MariaDB database where the scripts record the roles
// and logins netc manages; no program's database may have its name.
const SQLBookkeeping = "netc"

// Database is a SQL database. In the cluster (no CIDRs) it is the pods Labels select in
// Namespace; outside it (CIDRs set) it is reached by ipBlock and gets no ingress policy.
type Database struct {
	Namespace, Name string
	Engine          Engine
	Port            int32          // default 5432 postgres, 3306 mysql/mariadb
	CIDRs           []netip.Prefix // sorted; empty means in the cluster
	DBName          string         // SQL database name (default Name)
	Schema          string         // default schema for unqualified objects ("public" on postgres, DBName on mysql/mariadb)
	Labels          []Label        // pod selector when in the cluster: app=<Name>
	Declared        bool           // false when it exists only as the target of `as role`
	// Exclusion leaves out the pods of narrower workloads that Labels also selects
	// (in the cluster only).
	Exclusion Exclusion
	Span      diag.Span
}

// InCluster reports whether the database runs as pods of the cluster.
func (d *Database) InCluster() bool { return len(d.CIDRs) == 0 }

// External is a named set of CIDRs outside the cluster.
type External struct {
	Namespace, Name string
	CIDRs           []netip.Prefix // sorted, de-duplicated
	Span            diag.Span
}

// PeerKind says what a peer of an edge is.
type PeerKind int

const (
	// PeerPods is pods selected by Labels in Namespace (a service or in-cluster database).
	PeerPods PeerKind = iota
	// PeerCIDRs is addresses outside the cluster: world, an external, or a database with a CIDR.
	PeerCIDRs
)

// Peer is one end of an edge.
type Peer struct {
	Kind      PeerKind
	Namespace string  // PeerPods: the pods' namespace
	Labels    []Label // PeerPods: the selector
	CIDRs     []netip.Prefix
	// Blocks are the ipBlocks written for CIDRs (PeerCIDRs only): one per CIDR, in
	// the same order, each leaving out the cluster's networks inside it.
	Blocks []Block
	// Exactly one of these is set, or none for world.
	Service  *Service
	Database *Database
	External *External
	World    bool
}

// Key is a stable, unique, human-readable name for the peer: "NS/NAME" or "world".
func (p *Peer) Key() string {
	switch {
	case p.World:
		return "world"
	case p.Service != nil:
		return p.Service.Namespace + "/" + p.Service.Name
	case p.Database != nil:
		return p.Database.Namespace + "/" + p.Database.Name
	case p.External != nil:
		return p.External.Namespace + "/" + p.External.Name
	}
	return "?"
}

// Protocol is a transport protocol as Kubernetes spells it.
type Protocol string

const (
	TCP  Protocol = "TCP"
	UDP  Protocol = "UDP"
	SCTP Protocol = "SCTP"
)

// Port is one port or port range. Named ports are resolved to numbers by the compiler;
// Name keeps the name the user wrote, for messages.
type Port struct {
	Protocol Protocol
	Port     int32
	EndPort  int32 // 0 when not a range
	Name     string
	Span     diag.Span
}

// Edge is one opened path: From may open connections to To on Ports.
type Edge struct {
	From, To *Peer
	// Ports sorted by (Protocol, Port, EndPort); empty means every port and protocol.
	Ports []Port
	// Roles are the database roles of `as role` (To is then a database).
	Roles []*Role
	// Span is the whole intent statement; FromSpan and ToSpan the source and target names.
	Span, FromSpan, ToSpan diag.Span
}

// ObjectKind is the kind of a database object a privilege is on.
type ObjectKind string

const (
	Table    ObjectKind = "table"
	Sequence ObjectKind = "sequence"
	Function ObjectKind = "function"
	Schema   ObjectKind = "schema"
)

// Privilege is one privilege on one object, e.g. SELECT on table public.orders.
type Privilege struct {
	Action string // upper case: SELECT, INSERT, UPDATE, DELETE, USAGE, EXECUTE, ...
	Kind   ObjectKind
	Schema string // the object's schema; for Kind == Schema, the schema itself
	Object string // the object's name; empty for Kind == Schema
	Span   diag.Span
}

// Role is a database role with no login.
type Role struct {
	Database   *Database
	Name       string
	Privileges []Privilege // sorted by (Kind, Schema, Object, Action), de-duplicated
	Declared   bool        // false for a role only named by `as role` (privileges unmanaged)
	// Adopt is true when netc.hcl lets netc take over the role although it exists on the
	// server and netc did not create it; otherwise the script refuses to touch such a role.
	Adopt bool
	Span  diag.Span
}

// Login is a service's login role on a database, member of exactly Roles among the
// roles netc manages on that database.
type Login struct {
	Database *Database
	Name     string
	Service  *Service
	Roles    []*Role   // sorted by Name
	Adopt    bool      // netc.hcl lets netc take over an existing login it did not create
	Span     diag.Span // the first intent that made it
}

// SubjectKind is who a grant is for.
type SubjectKind string

const (
	Group          SubjectKind = "Group"
	User           SubjectKind = "User"
	ServiceAccount SubjectKind = "ServiceAccount"
)

// Subject is the grantee of an RBAC grant.
type Subject struct {
	Kind      SubjectKind
	Name      string
	Namespace string   // ServiceAccount only
	Service   *Service // set when the grant was written for a service
	Span      diag.Span
}

// Key renders the subject for messages and sorting: "group developers",
// "serviceaccount ci/deployer".
func (s Subject) Key() string {
	switch s.Kind {
	case Group:
		return "group " + s.Name
	case User:
		return "user " + s.Name
	}
	return "serviceaccount " + s.Namespace + "/" + s.Name
}

// SubjectID identifies a subject: two grants are for one subject exactly when their
// SubjectIDs are equal. A map key.
type SubjectID struct {
	Kind      SubjectKind
	Namespace string // ServiceAccount only
	Name      string
}

// ID returns the subject's identity.
func (s Subject) ID() SubjectID {
	id := SubjectID{Kind: s.Kind, Name: s.Name}
	if s.Kind == ServiceAccount {
		id.Namespace = s.Namespace
	}
	return id
}

// Compare orders subject ids by kind, namespace, name.
func (a SubjectID) Compare(b SubjectID) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// Rule is one RBAC policy rule, resolved: verbs expanded from bundles, resources mapped to
// their API group.
type Rule struct {
	APIGroup      string   // "" is the core group
	Resources     []string // sorted; may hold subresources "pods/log"
	Verbs         []string // sorted, expanded ("*" only when waived)
	ResourceNames []string // sorted; empty means every name
}

// AllVerbs reports whether r gives every verb ("*"): only when its grant's
// WildcardVerbs is set.
func (r Rule) AllVerbs() bool { return slices.Contains(r.Verbs, "*") }

// WildcardResource reports whether r is on every API group or on a resource with a
// "*": only when its grant's WildcardResources is set.
func (r Rule) WildcardResource() bool {
	if r.APIGroup == "*" {
		return true
	}
	for _, res := range r.Resources {
		if strings.Contains(res, "*") {
			return true
		}
	}
	return false
}

// Grant is one grant statement, resolved.
type Grant struct {
	Subject Subject
	// Rules sorted by (APIGroup, Resources); one per API group and verb set.
	Rules []Rule
	// Namespaces the grant applies in, sorted; empty when Cluster.
	Namespaces []string
	Cluster    bool
	// Waived lists the rule ids waived on the grant's line (for the IR dump).
	Waived []string
	// WildcardVerbs and WildcardResources are the compiler's decision that a "*" may
	// reach a Role: set when a waiver on the grant's line allowed every verb
	// (wildcard-verb), or every resource or API group (wildcard-resource). The compiler
	// refuses a "*" without it, whatever netc.hcl says of the rules; Validate asserts
	// it, and backends trust it.
	WildcardVerbs, WildcardResources bool
	Span                             diag.Span
}

// DNS is the cluster DNS every locked-down pod may reach.
type DNS struct {
	Enabled   bool
	Namespace string  // default kube-system
	Labels    []Label // default k8s-app=kube-dns
	Port      int32   // default 53, UDP and TCP
}
