package ir

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/netc-dev/netc/diag"
)

func at(line int) diag.Span {
	return diag.Span{File: "t.net", Start: diag.Pos{Line: line, Col: 1}, End: diag.Pos{Line: line, Col: 2}}
}

// valid is a small program the compiler could make.
func valid() *Program {
	fe := &Service{Namespace: "shop", Name: "frontend", Account: "frontend", Labels: []Label{{Key: "app", Value: "frontend"}}, Span: at(1)}
	db := &Database{Namespace: "shop", Name: "db", Engine: Postgres, Port: 5432, Labels: []Label{{Key: "app", Value: "db"}}, Span: at(2)}
	return &Program{
		Namespaces: []string{"shop"},
		Services:   []*Service{fe},
		Databases:  []*Database{db},
		Edges: []*Edge{{
			From:  &Peer{Kind: PeerPods, Namespace: "shop", Labels: fe.Labels, Service: fe},
			To:    &Peer{Kind: PeerPods, Namespace: "shop", Labels: db.Labels, Database: db},
			Ports: []Port{{Protocol: TCP, Port: 5432, Span: at(3)}}, Span: at(3),
		}},
		Grants: []*Grant{{Subject: Subject{Kind: Group, Name: "developers"}, Namespaces: []string{"shop"},
			Rules: []Rule{{Resources: []string{"pods"}, Verbs: []string{"get"}}}, Span: at(4)}},
		DNS: DNS{Enabled: true, Namespace: "kube-system", Labels: []Label{{Key: "k8s-app", Value: "kube-dns"}}, Port: 53},
	}
}

func TestValidateAcceptsValid(t *testing.T) {
	if d := Validate(valid()); len(d) > 0 {
		t.Fatalf("valid program rejected: %v", d)
	}
	p := valid()
	// A "*" the compiler allowed, and SQL names the engine takes.
	g := p.Grants[0]
	g.Rules = []Rule{{APIGroup: "*", Resources: []string{"*"}, Verbs: []string{"*"}}}
	g.WildcardVerbs, g.WildcardResources = true, true
	r := &Role{Database: p.Databases[0], Name: "app_rw", Declared: true, Span: at(5),
		Privileges: []Privilege{{Action: "SELECT", Kind: Table, Schema: "public", Object: "orders", Span: at(5)}}}
	p.Roles = []*Role{r}
	p.Logins = []*Login{{Database: p.Databases[0], Name: "frontend", Roles: []*Role{r}, Span: at(6)}}
	if d := Validate(p); len(d) > 0 {
		t.Fatalf("allowed wildcards or SQL names rejected: %v", d)
	}
	p = valid()
	p.DNS = DNS{} // off, and a zero DNS means the defaults
	if d := Validate(p); len(d) > 0 {
		t.Fatalf("program without DNS rejected: %v", d)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(p *Program)
		want   string
	}{
		{"namespace", func(p *Program) { p.Services[0].Namespace = "Shop" }, `namespace "Shop" is not a valid Kubernetes namespace name`},
		{"service name", func(p *Program) { p.Services[0].Name = "Front_End" }, `service name "Front_End"`},
		{"database name", func(p *Program) { p.Databases[0].Name = "d b" }, `database name "d b"`},
		{"account", func(p *Program) { p.Services[0].Account = "No" }, `account "No" of service shop/frontend`},
		{"label key", func(p *Program) { p.Services[0].Labels = []Label{{Key: "bad key", Value: "x"}} }, `label key "bad key"`},
		{"label value", func(p *Program) { p.Services[0].Labels = []Label{{Key: "k", Value: "bad value"}} }, `label value "bad value"`},
		{"two workloads", func(p *Program) { p.Databases[0].Name = "frontend" }, "shop/frontend names two workloads"},
		{"edge end", func(p *Program) { p.Edges[0].To = nil }, "edge without an end"},
		{"wildcard verb", func(p *Program) { p.Grants[0].Rules[0].Verbs = []string{"*"} }, "gives every verb (*) but the grant's WildcardVerbs is not set"},
		{"wildcard resource", func(p *Program) { p.Grants[0].Rules[0].Resources = []string{"*"} }, "has a wildcard resource but the grant's WildcardResources is not set"},
		{"wildcard group", func(p *Program) { p.Grants[0].Rules[0].APIGroup = "*" }, "has a wildcard resource"},
		{"engine", func(p *Program) { p.Databases[0].Engine = "oracle" }, `database shop/db: unknown engine "oracle"`},
		{"sql database name", func(p *Program) { p.Databases[0].DBName = strings.Repeat("d", 64) }, "is 64 bytes long; PostgreSQL allows at most 63"},
		{"sql role name", func(p *Program) {
			p.Databases[0].Engine = MariaDB
			p.Roles = []*Role{{Database: p.Databases[0], Name: `a\b`, Declared: true, Span: at(5)}}
		}, "holds a backslash"},
		{"sql object name", func(p *Program) {
			p.Roles = []*Role{{Database: p.Databases[0], Name: "r", Declared: true, Span: at(5),
				Privileges: []Privilege{{Action: "SELECT", Kind: Table, Schema: "public", Object: "t\x00", Span: at(6)}}}}
		}, "control character"},
		{"sql login name", func(p *Program) {
			p.Logins = []*Login{{Database: p.Databases[0], Name: "", Span: at(5)}}
		}, "empty login name"},
		{"cidr", func(p *Program) {
			p.Externals = []*External{{Namespace: "shop", Name: "x", CIDRs: []netip.Prefix{{}}, Span: at(5)}}
		}, "shop/x has an invalid CIDR"},
		{"protocol", func(p *Program) { p.Edges[0].Ports[0].Protocol = "ICMP" }, `protocol "ICMP"`},
		{"port", func(p *Program) { p.Edges[0].Ports[0].Port = 70000 }, "port 70000 is out of range"},
		{"range", func(p *Program) { p.Edges[0].Ports[0].EndPort = 80 }, "port range 5432-80"},
		{"dns namespace", func(p *Program) { p.DNS.Namespace = "Kube System" }, `DNS namespace "Kube System"`},
		{"dns port", func(p *Program) { p.DNS.Port = -1 }, "DNS port -1"},
		{"grant namespace", func(p *Program) { p.Grants[0].Namespaces = []string{"Not_A_Namespace"} }, `namespace "Not_A_Namespace" of the grant`},
		{"empty user", func(p *Program) { p.Grants[0].Subject = Subject{Kind: User} }, "user name is empty"},
		{"control", func(p *Program) { p.Grants[0].Subject.Name = "a\nb" }, "control characters"},
		{"utf8", func(p *Program) { p.Grants[0].Subject.Name = "a\xffb" }, "invalid UTF-8"},
		{"sa namespace", func(p *Program) { p.Grants[0].Subject = Subject{Kind: ServiceAccount, Namespace: "Shop", Name: "x"} }, "service account namespace"},
		{"sa name", func(p *Program) { p.Grants[0].Subject = Subject{Kind: ServiceAccount, Namespace: "shop", Name: "x_y"} }, "service account name"},
		{"kind", func(p *Program) { p.Grants[0].Subject = Subject{Kind: "Robot", Name: "x"} }, "unknown subject kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.break_(p)
			d := Validate(p)
			if !d.HasErrors() || len(d) != 1 || !strings.Contains(d[0].Message, tt.want) {
				t.Errorf("diagnostics = %v, want one error containing %q", d, tt.want)
			}
		})
	}
}

// A workload collision points at the other workload.
func TestValidateCollisionRelated(t *testing.T) {
	p := valid()
	p.Databases[0].Name = "frontend"
	d := Validate(p)
	if len(d) != 1 || len(d[0].Related) != 1 || d[0].Related[0].Span != at(1) || d[0].Span != at(2) {
		t.Errorf("diagnostics = %s", fmt.Sprint(d))
	}
}
