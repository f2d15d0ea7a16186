package compiler

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/lang/ast"
)

// compiler is one compilation's state, shared by the stages (compiler.go). Its parts
// are grouped by what they hold and embedded, so a stage names a field directly
// (c.services); the comment on each part says which stages fill it.
type compiler struct {
	source    // what the compilation reads
	ruleSet   // how rules report: severities and waivers
	symbols   // the program's names, resolved
	peerTable // the ends of edges, one per name

	prog  *ir.Program // the IR the stages build
	diags diag.List   // everything every stage reported
}

// source is the program as written. declare fills stmts.
type source struct {
	cfg   *config.Config
	files []*ast.File
	stmts []scoped // every statement but namespace ones, with its namespace, in source order
}

// ruleSet is how rules report. The config stage fills severity, the waivers stage
// waivers; the rules stage marks the waivers it uses.
type ruleSet struct {
	severity map[string]diag.Severity     // rule id → configured severity
	waivers  map[string]map[int][]*waiver // file → line → waivers
	// errorRulesOnly is Options.ErrorRulesOnly: the rules stage runs the rules of
	// severity error only.
	errorRulesOnly bool
}

// symbols are the program's names, by "NS/NAME": declare fills them from the
// declarations, implicit-databases and lower add what exists by being used (services
// used in intents, databases used with `as role`, roles named by `as role`), and
// roles resolves roleDecls. Services, databases and externals share one space of
// names per namespace.
type symbols struct {
	services  map[string]*ir.Service
	databases map[string]*ir.Database
	externals map[string]*ir.External
	// externalByName finds externals from every namespace: they are outside the
	// cluster, so an unqualified name that no workload of the namespace claims may
	// name an external declared anywhere. External names are unique in the program.
	externalByName map[string]*ir.External
	roleDecls      []roleDecl            // role declarations, for the roles stage
	roles          map[roleKey]*ir.Role  // a database's roles, declared or named by `as role`
	logins         map[roleKey]*ir.Login // a database's logins (services that use a role)
}

// peerTable holds the ends of edges, made by lower: one peer per "NS/NAME" whichever
// way it was written, so paths compare equal.
type peerTable struct {
	peers map[string]*ir.Peer
	world *ir.Peer // every address outside the cluster
}

type scoped struct {
	ns string
	s  *ast.Stmt
}

type roleKey struct {
	db   *ir.Database
	name string
}

type roleDecl struct {
	ns   string
	decl *ast.RoleDecl
}

func newCompiler(opts Options, files []*ast.File) *compiler {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.Default()
	}
	return &compiler{
		source:  source{cfg: cfg, files: files},
		ruleSet: ruleSet{errorRulesOnly: opts.ErrorRulesOnly},
		symbols: symbols{
			services:       map[string]*ir.Service{},
			databases:      map[string]*ir.Database{},
			externals:      map[string]*ir.External{},
			externalByName: map[string]*ir.External{},
			roles:          map[roleKey]*ir.Role{},
			logins:         map[roleKey]*ir.Login{},
		},
		peerTable: peerTable{
			peers: map[string]*ir.Peer{},
			world: &ir.Peer{Kind: ir.PeerCIDRs, World: true, CIDRs: []netip.Prefix{
				netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}},
		},
		prog: &ir.Program{},
	}
}

func (c *compiler) errorf(span diag.Span, format string, args ...any) {
	c.diags.Errorf(span, format, args...)
}

func key(ns, name string) string { return ns + "/" + name }

// declare flattens namespaces and records every declaration.
func (c *compiler) declare() {
	for _, f := range c.files {
		ns := "default"
		c.flatten(f.Stmts, &ns)
	}
	for _, st := range c.stmts {
		switch s := st.s; {
		case s.Service != nil:
			c.declareService(st.ns, s.Service)
		case s.Database != nil:
			c.declareDatabase(st.ns, s.Database)
		case s.External != nil:
			c.declareExternal(st.ns, s.External)
		case s.Role != nil:
			c.roleDecls = append(c.roleDecls, roleDecl{st.ns, s.Role})
		}
	}
}

func (c *compiler) flatten(stmts []*ast.Stmt, ns *string) {
	for _, s := range stmts {
		switch {
		case s.Namespace != nil:
			if c.checkNamespace(s.Namespace.Name) {
				*ns = s.Namespace.Name.Value
			}
		case s.NamespaceBlock != nil:
			inner := *ns
			if c.checkNamespace(s.NamespaceBlock.Name) {
				inner = s.NamespaceBlock.Name.Value
			}
			c.flatten(s.NamespaceBlock.Stmts, &inner)
		default:
			c.stmts = append(c.stmts, scoped{*ns, s})
		}
	}
}

func (c *compiler) checkNamespace(n *ast.Name) bool {
	if err := checkDNSLabel(n.Value); err != nil {
		c.errorf(n.Span(), "namespace %q %v", n.Value, err)
		return false
	}
	if n.Value == "cluster" {
		c.errorf(n.Span(), "namespace \"cluster\" cannot be used: `in cluster` means cluster scope in grants")
		return false
	}
	return true
}

// claim records that NS/NAME is taken by a declaration of kind, or reports the clash.
func (c *compiler) claim(ns string, n *ast.Name, kind string) bool {
	k := key(ns, n.Value)
	var prev diag.Span
	var prevKind string
	if s, ok := c.services[k]; ok {
		prev, prevKind = s.Span, "service"
	} else if d, ok := c.databases[k]; ok {
		prev, prevKind = d.Span, "database"
	} else if e, ok := c.externals[k]; ok {
		prev, prevKind = e.Span, "external"
	} else if n.Value == "world" {
		c.errorf(n.Span(), "%q is reserved: it means every address outside the cluster", n.Value)
		return false
	} else {
		return true
	}
	c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: n.Span(),
		Message: kind + " " + quoteName(k) + " is already declared as " + article(prevKind) + " " + prevKind,
		Related: []diag.Related{{Span: prev, Message: "first declared here"}}})
	return false
}

// article is "an" before a vowel sound, else "a".
func article(word string) string {
	if word != "" && strings.IndexByte("aeiou", word[0]) >= 0 {
		return "an"
	}
	return "a"
}

func quoteName(s string) string {
	return strconv.Quote(s)
}

// defaultLabels is app=<name>.
func defaultLabels(name string) []ir.Label { return []ir.Label{{Key: "app", Value: name}} }

func (c *compiler) declareService(ns string, d *ast.ServiceDecl) {
	if err := checkDNSLabel(d.Name.Value); err != nil {
		c.errorf(d.Name.Span(), "service name %q %v", d.Name.Value, err)
		return
	}
	if !c.claim(ns, d.Name, "service") {
		return
	}
	s := &ir.Service{Namespace: ns, Name: d.Name.Value, Account: d.Name.Value, Login: d.Name.Value,
		Declared: true, Span: d.Name.Span()}
	seen := map[string]diag.Span{}
	portNames := map[string]diag.Span{}
	for _, a := range d.Attrs {
		k := a.Key.Value
		if prev, dup := seen[k]; dup && k != "port" {
			c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: a.Key.Span(),
				Message: "attribute " + k + " is set twice", Related: []diag.Related{{Span: prev, Message: "first set here"}}})
			continue
		}
		seen[k] = a.Key.Span()
		switch k {
		case "labels":
			s.Labels = c.labels(a)
		case "port":
			if np, ok := c.namedPort(a); ok {
				nameSpan := a.Values[0].Items[0].Span()
				if prev, dup := portNames[np.Name]; dup {
					c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: nameSpan,
						Message: "port " + quoteName(np.Name) + " is declared twice", Related: []diag.Related{{Span: prev, Message: "first declared here"}}})
					continue
				}
				portNames[np.Name] = nameSpan
				s.Ports = append(s.Ports, np)
			}
		case "account":
			if n := c.word(a); n != nil {
				if err := checkDNSSubdomain(n.Value); err != nil {
					c.errorf(n.Span(), "account %q %v", n.Value, err)
				} else {
					s.Account = n.Value
				}
			}
		case "login":
			if n := c.word(a); n != nil {
				if err := checkSQLName(n.Value); err != nil {
					c.errorf(n.Span(), "login %q %v", n.Value, err)
				} else {
					s.Login = n.Value
				}
			}
		default:
			c.errorf(a.Key.Span(), "unknown service attribute %q; expected labels, port, account or login", k)
		}
	}
	if s.Labels == nil {
		s.Labels = defaultLabels(s.Name)
	}
	c.services[key(ns, s.Name)] = s
}

// word returns the single bare or quoted name an attribute takes.
func (c *compiler) word(a *ast.Attr) *ast.Name {
	if len(a.Values) == 1 && a.Values[0].Key == nil && len(a.Values[0].Items) == 1 {
		it := a.Values[0].Items[0]
		if it.Word != nil && it.Proto == nil {
			return it.Word
		}
	}
	c.errorf(a.Span(), "attribute %s takes one name", a.Key.Value)
	return nil
}

func (c *compiler) labels(a *ast.Attr) []ir.Label {
	if len(a.Values) == 0 {
		c.errorf(a.Span(), "labels needs at least one KEY=VALUE")
		return nil
	}
	var out []ir.Label
	seen := map[string]bool{}
	for _, v := range a.Values {
		if v.Key == nil || len(v.Items) != 1 || v.Items[0].Proto != nil || v.Items[0].CIDR != "" {
			c.errorf(v.Span(), "expected KEY=VALUE; separate labels with ','")
			continue
		}
		it := v.Items[0]
		val := it.Int
		if it.Word != nil {
			val = it.Word.Value
		}
		k := v.Key.String()
		if err := checkLabelKey(k); err != nil {
			c.errorf(v.Key.Span(), "label key %q %v", k, err)
			continue
		}
		if err := checkLabelValue(val); err != nil {
			c.errorf(it.Span(), "label value %q %v", val, err)
			continue
		}
		if seen[k] {
			c.errorf(v.Key.Span(), "label %q is set twice", k)
			continue
		}
		seen[k] = true
		out = append(out, ir.Label{Key: k, Value: val})
	}
	sortLabels(out)
	return out
}

// namedPort reads `port NAME NUMBER[/PROTO]`.
func (c *compiler) namedPort(a *ast.Attr) (ir.NamedPort, bool) {
	if len(a.Values) != 1 || a.Values[0].Key != nil || len(a.Values[0].Items) != 2 ||
		a.Values[0].Items[0].Word == nil || a.Values[0].Items[0].Proto != nil || a.Values[0].Items[1].Int == "" {
		c.errorf(a.Span(), "expected `port NAME NUMBER`, for example `port http 8080`")
		return ir.NamedPort{}, false
	}
	name, num := a.Values[0].Items[0], a.Values[0].Items[1]
	if err := checkPortName(name.Word.Value); err != nil {
		c.errorf(name.Span(), "port name %q %v", name.Word.Value, err)
		return ir.NamedPort{}, false
	}
	p, ok := c.portNumber(num.Int, num.Span())
	if !ok {
		return ir.NamedPort{}, false
	}
	proto, ok := c.protocol(num.Proto)
	if !ok {
		return ir.NamedPort{}, false
	}
	return ir.NamedPort{Name: name.Word.Value, Port: p, Protocol: proto, Span: a.Span()}, true
}

// checkPortName is Kubernetes' IANA_SVC_NAME: at most 15 lower-case letters, digits
// and '-', with a letter, no '--', not starting or ending with '-'.
func checkPortName(s string) error {
	if len(s) > 15 {
		return errString("must be at most 15 characters (a Kubernetes port name)")
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == '-':
		default:
			return errString("may hold only lower-case letters, digits and '-' (a Kubernetes port name)")
		}
	}
	if !letter || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return errString("must contain a letter and not start, end or repeat '-' (a Kubernetes port name)")
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func (c *compiler) portNumber(s string, span diag.Span) (int32, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		c.errorf(span, "port %s is out of range; ports are 1 to 65535", s)
		return 0, false
	}
	return int32(n), true
}

func (c *compiler) protocol(n *ast.Name) (ir.Protocol, bool) {
	if n == nil {
		return ir.TCP, true
	}
	switch strings.ToLower(n.Value) {
	case "tcp":
		return ir.TCP, true
	case "udp":
		return ir.UDP, true
	case "sctp":
		return ir.SCTP, true
	}
	c.errorf(n.Span(), "unknown protocol %q; expected tcp, udp or sctp", n.Value)
	return "", false
}

var defaultPorts = map[ir.Engine]int32{ir.Postgres: 5432, ir.MySQL: 3306, ir.MariaDB: 3306}

func (c *compiler) engine(n *ast.Name) (ir.Engine, bool) {
	e := ir.Engine(n.Value)
	if _, ok := defaultPorts[e]; !ok {
		c.errorf(n.Span(), "unknown database engine %q; expected postgres, mysql or mariadb", n.Value)
		return "", false
	}
	return e, true
}

func newDatabase(ns, name string, e ir.Engine, span diag.Span) *ir.Database {
	d := &ir.Database{Namespace: ns, Name: name, Engine: e, Port: defaultPorts[e], DBName: name, Span: span}
	return d
}

func (c *compiler) declareDatabase(ns string, d *ast.DatabaseDecl) {
	if err := checkDNSLabel(d.Name.Value); err != nil {
		c.errorf(d.Name.Span(), "database name %q %v", d.Name.Value, err)
		return
	}
	eng, ok := c.engine(d.Engine)
	if !ok || !c.claim(ns, d.Name, "database") {
		return
	}
	db := newDatabase(ns, d.Name.Value, eng, d.Name.Span())
	db.Declared = true
	seen := map[string]diag.Span{}
	for _, a := range d.Attrs {
		k := a.Key.Value
		if prev, dup := seen[k]; dup {
			c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: a.Key.Span(),
				Message: "attribute " + k + " is set twice", Related: []diag.Related{{Span: prev, Message: "first set here"}}})
			continue
		}
		seen[k] = a.Key.Span()
		switch k {
		case "port":
			if len(a.Values) == 1 && a.Values[0].Key == nil && len(a.Values[0].Items) == 1 && a.Values[0].Items[0].Int != "" && a.Values[0].Items[0].Proto == nil {
				if p, ok := c.portNumber(a.Values[0].Items[0].Int, a.Values[0].Items[0].Span()); ok {
					db.Port = p
				}
			} else {
				c.errorf(a.Span(), "expected `port NUMBER`, for example `port 5433`")
			}
		case "cidr":
			db.CIDRs = c.cidrs(a.Span(), valuesItems(a))
		case "dbname":
			if n := c.word(a); n != nil {
				if err := checkSQLName(n.Value); err != nil {
					c.errorf(n.Span(), "dbname %q %v", n.Value, err)
				} else {
					db.DBName = n.Value
				}
			}
		case "schema":
			if n := c.word(a); n != nil {
				if err := checkSQLName(n.Value); err != nil {
					c.errorf(n.Span(), "schema %q %v", n.Value, err)
				} else {
					db.Schema = n.Value
				}
			}
		case "labels":
			db.Labels = c.labels(a)
		default:
			c.errorf(a.Key.Span(), "unknown database attribute %q; expected port, cidr, dbname, schema or labels", k)
		}
	}
	if len(db.CIDRs) > 0 && db.Labels != nil {
		c.errorf(seen["labels"], "a database with a cidr is outside the cluster and has no pod labels")
	}
	c.finishDatabase(db)
	c.databases[key(ns, db.Name)] = db
}

// finishDatabase fills the defaults that depend on other attributes.
func (c *compiler) finishDatabase(db *ir.Database) {
	if db.Schema == "" {
		if db.Engine == ir.Postgres {
			db.Schema = "public"
		} else {
			db.Schema = db.DBName
		}
	}
	if db.Labels == nil && len(db.CIDRs) == 0 {
		db.Labels = defaultLabels(db.Name)
	}
}

func valuesItems(a *ast.Attr) []*ast.Item {
	var out []*ast.Item
	for _, v := range a.Values {
		out = append(out, v.Items...)
	}
	return out
}

// cidrs parses a CIDR list: every entry must be a network address with its prefix
// length (10.0.0.0/8, not 10.0.0.1/8 or 10.0.0.1).
func (c *compiler) cidrs(span diag.Span, items []*ast.Item) []netip.Prefix {
	if len(items) == 0 {
		c.errorf(span, "expected at least one CIDR, for example 10.0.0.0/8")
		return nil
	}
	var out []netip.Prefix
	for _, it := range items {
		if it.CIDR == "" || it.Proto != nil {
			c.errorf(it.Span(), "expected a CIDR such as 203.0.113.0/24")
			continue
		}
		p, err := netip.ParsePrefix(it.CIDR)
		if err != nil {
			if a, aerr := netip.ParseAddr(it.CIDR); aerr == nil {
				c.errorf(it.Span(), "CIDR %s has no prefix length; write %s/%d for one address", it.CIDR, it.CIDR, a.BitLen())
			} else {
				why := err.Error()
				if i := strings.LastIndex(why, ": "); i >= 0 {
					why = why[i+2:]
				}
				c.errorf(it.Span(), "invalid CIDR %s: %s", it.CIDR, why)
			}
			continue
		}
		if p.Masked() != p {
			c.errorf(it.Span(), "CIDR %s has host bits set; the network is %s", it.CIDR, p.Masked())
			continue
		}
		if p.Addr().Is4In6() {
			c.errorf(it.Span(), "CIDR %s is an IPv4-mapped IPv6 prefix; write the IPv4 form", it.CIDR)
			continue
		}
		out = append(out, p)
	}
	return sortPrefixes(out)
}

func (c *compiler) declareExternal(ns string, d *ast.ExternalDecl) {
	if err := checkRBACName(d.Name.Value); err != nil {
		c.errorf(d.Name.Span(), "external name %q %v", d.Name.Value, err)
		return
	}
	if !c.claim(ns, d.Name, "external") {
		return
	}
	if prev, dup := c.externalByName[d.Name.Value]; dup {
		c.diags.Add(diag.Diagnostic{Severity: diag.Error, Span: d.Name.Span(),
			Message: "external " + quoteName(d.Name.Value) + " is already declared; external names are unique in the program",
			Related: []diag.Related{{Span: prev.Span, Message: "first declared here"}}})
		return
	}
	e := &ir.External{Namespace: ns, Name: d.Name.Value, Span: d.Name.Span()}
	e.CIDRs = c.cidrs(d.Name.Span(), d.CIDRs)
	c.externals[key(ns, e.Name)] = e
	c.externalByName[e.Name] = e
}
