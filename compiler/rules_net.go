package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
)

// netRules are the least-privilege rules over network intents and database roles.
var netRules = []Rule{
	{
		ID:          "any-port",
		Severity:    diag.Warning,
		Doc:         "an intent names no port, so it allows every port and protocol",
		Remediation: "Add the ports the target listens on: `a -> b:8080`. A service's named ports can be used: `a -> b:http`.",
		Check:       checkAnyPort,
	},
	{
		ID:          "world-egress",
		Severity:    diag.Warning,
		Doc:         "an intent opens egress to the whole internet (`-> world`)",
		Remediation: "Declare the addresses the workload needs as an external (`external stripe 203.0.113.0/24`) and target it instead of world.",
		Check:       checkWorldEgress,
	},
	{
		ID:          "duplicate-intent",
		Severity:    diag.Warning,
		Doc:         "the same path (source, target, port) is declared twice",
		Remediation: "Remove the repeated intent; the first one already opens the path.",
		Check:       checkDuplicateIntent,
	},
	{
		ID:          "cross-namespace",
		Severity:    diag.Info,
		Doc:         "an intent crosses namespaces",
		Remediation: "Paths between namespaces couple teams; check that the target's owners expect this caller.",
		Check:       checkCrossNamespace,
	},
	{
		ID:          "undeclared-role",
		Severity:    diag.Warning,
		Doc:         "`as role` names a role with no declaration, so its privileges are not managed",
		Remediation: "Declare the role and exactly its privileges: `role NAME on DB { select on TABLE }`.",
		Check:       checkUndeclaredRole,
	},
	{
		ID:          "unused-role",
		Severity:    diag.Warning,
		Doc:         "a declared database role is used by no intent",
		Remediation: "Remove the role, or give it to the service that needs it: `svc -> db:5432 as role NAME`.",
		Check:       checkUnusedRole,
	},
}

var sqlRules = []Rule{
	{
		ID:          "ddl-privilege",
		Severity:    diag.Error,
		Doc:         "a database role gets TRUNCATE, CREATE, ALL or another schema-changing privilege",
		Remediation: "Application roles read and write rows; schema changes belong to migrations run with a separate owner role. Grant SELECT, INSERT, UPDATE or DELETE instead.",
		Check:       checkDDLPrivilege,
	},
}

func checkAnyPort(p *ir.Program, r Reporter) {
	for _, e := range p.Edges {
		if len(e.Ports) == 0 {
			r.Report(e.ToSpan, fmt.Sprintf("intent to %s names no port, so it allows every port and protocol", e.To.Key()))
		}
	}
}

func checkWorldEgress(p *ir.Program, r Reporter) {
	for _, e := range p.Edges {
		if e.To.World {
			r.Report(e.ToSpan, fmt.Sprintf("%s may open connections to any address outside the cluster", e.From.Key()))
		}
	}
}

// portKey renders a port as "80/TCP" or "80-90/TCP". It runs for every port of every
// edge, so it appends instead of using fmt.
func portKey(pt ir.Port) string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, int64(pt.Port), 10)
	if pt.EndPort != 0 {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(pt.EndPort), 10)
	}
	b = append(b, '/')
	b = append(b, pt.Protocol...)
	return string(b)
}

// checkDuplicateIntent relies on edges being sorted by (From, To, Span): the edges of
// one path are adjacent, the first in source order first. An intent is reported once,
// naming every port an earlier intent of the path already opens. A repeat that adds
// roles is not a duplicate: removing it, as the remediation says, would take them away.
func checkDuplicateIntent(p *ir.Program, r Reporter) {
	type seen struct {
		first *ir.Edge
		roles []*ir.Role // the roles of every intent of the path on this port so far
	}
	paths := map[string]*seen{}
	for i, e := range p.Edges {
		if i > 0 && (p.Edges[i-1].From != e.From || p.Edges[i-1].To != e.To) {
			clear(paths)
		}
		keys := []string{"every port"}
		if len(e.Ports) > 0 {
			keys = keys[:0]
			for _, pt := range e.Ports {
				keys = append(keys, portKey(pt))
			}
		}
		var dup []string
		var prev *ir.Edge
		for _, k := range keys {
			s, ok := paths[k]
			if !ok {
				paths[k] = &seen{first: e, roles: e.Roles}
				continue
			}
			if s.first.Span != e.Span && rolesWithin(e.Roles, s.roles) {
				dup = append(dup, k)
				if prev == nil {
					prev = s.first
				}
			}
			if !rolesWithin(e.Roles, s.roles) {
				s.roles = append(slices.Clone(s.roles), e.Roles...)
			}
		}
		if len(dup) > 0 {
			r.Report(e.Span, fmt.Sprintf("%s -> %s on %s is already declared", e.From.Key(), e.To.Key(), strings.Join(dup, ", ")),
				diag.Related{Span: prev.Span, Message: "first declared here"})
		}
	}
}

// rolesWithin reports whether every role of rs is in of.
func rolesWithin(rs, of []*ir.Role) bool {
	for _, r := range rs {
		if !slices.Contains(of, r) {
			return false
		}
	}
	return true
}

func checkCrossNamespace(p *ir.Program, r Reporter) {
	for _, e := range p.Edges {
		if e.From.Kind == ir.PeerPods && e.To.Kind == ir.PeerPods && e.From.Namespace != e.To.Namespace {
			// Concatenation, not Sprintf: this fires for every cross-namespace intent.
			r.Report(e.FromSpan, e.From.Key()+" -> "+e.To.Key()+" crosses from namespace "+e.From.Namespace+" to "+e.To.Namespace)
		}
	}
}

func checkUndeclaredRole(p *ir.Program, r Reporter) {
	for _, role := range p.Roles {
		if !role.Declared {
			r.Report(role.Span, fmt.Sprintf("role %q on %s is not declared; it is created with no privileges and its privileges are not managed",
				role.Name, dbKey(role.Database)))
		}
	}
}

func checkUnusedRole(p *ir.Program, r Reporter) {
	used := map[*ir.Role]bool{}
	for _, e := range p.Edges {
		for _, role := range e.Roles {
			used[role] = true
		}
	}
	for _, role := range p.Roles {
		if role.Declared && !used[role] {
			r.Report(role.Span, fmt.Sprintf("role %q on %s is used by no intent", role.Name, dbKey(role.Database)))
		}
	}
}

func checkDDLPrivilege(p *ir.Program, r Reporter) {
	for _, role := range p.Roles {
		for _, pv := range role.Privileges {
			if ddlActions[pv.Action] {
				what := string(pv.Kind) + " " + pv.Schema
				if pv.Object != "" {
					what += "." + pv.Object
				}
				r.Report(pv.Span, fmt.Sprintf("role %q gets %s on %s", role.Name, pv.Action, what))
			}
		}
	}
}
