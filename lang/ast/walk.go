package ast

// Inspect walks the tree below n in source order: it calls f on n, then, when f returns
// true, on each of n's children. Unset (nil) children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if !f(n) {
		return
	}
	switch n := n.(type) {
	case *File:
		all(n.Stmts, f)
	case *Stmt:
		one(n.Flow, f)
		one(n.Namespace, f)
		one(n.NamespaceBlock, f)
		one(n.Service, f)
		one(n.Database, f)
		one(n.External, f)
		one(n.Role, f)
		one(n.Assert, f)
	case *NamespaceStmt:
		one(n.Name, f)
	case *NamespaceBlock:
		one(n.Name, f)
		all(n.Stmts, f)
	case *Ref:
		one(n.First, f)
		one(n.Second, f)
	case *ServiceDecl:
		one(n.Name, f)
		all(n.Attrs, f)
	case *DatabaseDecl:
		one(n.Name, f)
		one(n.Engine, f)
		all(n.Attrs, f)
	case *Attr:
		one(n.Key, f)
		all(n.Values, f)
	case *Value:
		one(n.Key, f)
		all(n.Items, f)
	case *Item:
		one(n.Word, f)
		one(n.Proto, f)
	case *ExternalDecl:
		one(n.Name, f)
		all(n.CIDRs, f)
	case *RoleDecl:
		one(n.Name, f)
		one(n.Database, f)
		all(n.Privileges, f)
	case *Privilege:
		all(n.Actions, f)
		one(n.Kind, f)
		all(n.Objects, f)
	case *Flow:
		one(n.Kind, f)
		all(n.Sources, f)
		one(n.Intent, f)
		one(n.Grant, f)
	case *IntentTail:
		one(n.Target, f)
		all(n.Ports, f)
		all(n.Roles, f)
	case *Port:
		one(n.Name, f)
		one(n.Proto, f)
	case *GrantTail:
		all(n.Verbs, f)
		all(n.Resources, f)
		all(n.Names, f)
		all(n.Scopes, f)
	case *Resource:
		one(n.Ref, f)
	case *Assert:
		one(n.Kind, f)
		one(n.Subject, f)
		one(n.Reach, f)
		one(n.Grant, f)
	case *ReachTail:
		one(n.Target, f)
		all(n.Ports, f)
	}
}

// one inspects n unless it is nil (a nil *T in a Node would not compare equal to nil).
func one[T any, P interface {
	*T
	Node
}](n P, f func(Node) bool) {
	if n != nil {
		Inspect(n, f)
	}
}

func all[T any, P interface {
	*T
	Node
}](ns []P, f func(Node) bool) {
	for _, n := range ns {
		one(n, f)
	}
}
