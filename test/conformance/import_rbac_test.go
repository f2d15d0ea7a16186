package conformance

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/yaml"

	"github.com/netc-dev/netc/backends/artifact"
	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/importer"
)

// The RBAC round trip of netc import, judged by the upstream authorizer: import the
// RBAC objects of a fixture, build the program, and the authorizer over the built
// objects must answer every question of a request space as the authorizer over the
// original objects less exactly the rules (and subjects) the report says were not
// imported. The objects are decoded here with sigs.k8s.io/yaml, not by the importer.

// rbacFixtures are the RBAC objects to import: netc's own output for the conformance
// module's RBAC programs, a hand-written set in the shapes other tools write
// (testdata/import), and np-guard's directories that hold RBAC objects.
func rbacFixtures(t *testing.T) map[string][]engine.Source {
	t.Helper()
	res := map[string][]engine.Source{}
	for name, src := range map[string]string{"rbacProgram": rbacProgram, "effectiveProgram": effectiveProgram} {
		p := compileRBAC(t, src)
		var srcs []engine.Source
		for _, f := range build(t, p, nil) {
			if strings.HasSuffix(f.Path, ".yaml") && strings.Contains(string(f.Data), "rbac.authorization.k8s.io") {
				srcs = append(srcs, engine.Source{Name: f.Path, Data: f.Data})
			}
		}
		if len(srcs) == 0 {
			t.Fatalf("%s: no RBAC output", name)
		}
		res[name] = srcs
	}
	read := func(name string, dir string) {
		srcs, diags, err := engine.ReadSources([]string{dir}, nil)
		if err != nil || diags.HasErrors() {
			t.Fatalf("%s: %v %v", dir, err, diags)
		}
		res[name] = srcs
	}
	read("testdata/import", "testdata/import")
	mod := npguardModule(t)
	for _, d := range []string{"acs-security-demos", "acs-security-demos-with-netpol-list"} {
		read("np-guard/"+d, filepath.Join(mod, "tests", d))
	}
	return res
}

// decodedRBAC decodes the RBAC objects of srcs (list items included) with
// sigs.k8s.io/yaml, each object as the engine splits the files.
func decodedRBAC(t *testing.T, srcs []engine.Source) rbacObjects {
	t.Helper()
	var o rbacObjects
	var diags diag.List
	for _, s := range srcs {
		for _, obj := range engine.Objects(s, &diags) {
			var err error
			switch obj.Kind {
			case "Role":
				r := &rbacv1.Role{}
				err = yaml.Unmarshal(obj.JSON, r)
				o.roles = append(o.roles, r)
			case "ClusterRole":
				r := &rbacv1.ClusterRole{}
				err = yaml.Unmarshal(obj.JSON, r)
				o.clusterRoles = append(o.clusterRoles, r)
			case "RoleBinding":
				r := &rbacv1.RoleBinding{}
				err = yaml.Unmarshal(obj.JSON, r)
				o.roleBindings = append(o.roleBindings, r)
			case "ClusterRoleBinding":
				r := &rbacv1.ClusterRoleBinding{}
				err = yaml.Unmarshal(obj.JSON, r)
				o.clusterRoleBindings = append(o.clusterRoleBindings, r)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range o.roles {
		if r.Namespace == "" {
			r.Namespace = "default"
		}
	}
	for _, b := range o.roleBindings {
		if b.Namespace == "" {
			b.Namespace = "default"
		}
		for i := range b.Subjects {
			if b.Subjects[i].Kind == rbacv1.ServiceAccountKind && b.Subjects[i].Namespace == "" {
				b.Subjects[i].Namespace = b.Namespace
			}
		}
	}
	return o
}

// lessDropped is o without what the report says was not imported: each binding
// refers to its own copy of its role, less the rules dropped for it, and loses the
// subjects dropped from it.
func lessDropped(t *testing.T, o rbacObjects, dropped []importer.DroppedRule) rbacObjects {
	t.Helper()
	type key struct{ binding, object string }
	rules := map[key][]int{}
	subjects := map[string][]int{}
	for _, d := range dropped {
		field, idx, ok := strings.Cut(strings.TrimSuffix(d.Field, "]"), "[")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil {
			t.Fatalf("dropped entry %+v: field is not NAME[N]", d)
		}
		switch field {
		case "rules":
			rules[key{d.Binding, d.Object}] = append(rules[key{d.Binding, d.Object}], n)
		case "subjects":
			subjects[d.Binding] = append(subjects[d.Binding], n)
		default:
			t.Fatalf("dropped entry %+v: unknown field", d)
		}
	}
	keep := func(rs []rbacv1.PolicyRule, drop []int) []rbacv1.PolicyRule {
		var res []rbacv1.PolicyRule
		for i, r := range rs {
			if !slices.Contains(drop, i) {
				res = append(res, r)
			}
		}
		return res
	}
	keepSubjects := func(ss []rbacv1.Subject, drop []int) []rbacv1.Subject {
		var res []rbacv1.Subject
		for i, s := range ss {
			if !slices.Contains(drop, i) {
				res = append(res, s)
			}
		}
		return res
	}
	var res rbacObjects
	findRole := func(ns, name string) *rbacv1.Role {
		for _, r := range o.roles {
			if r.Namespace == ns && r.Name == name {
				return r
			}
		}
		return nil
	}
	findCluster := func(name string) *rbacv1.ClusterRole {
		for _, r := range o.clusterRoles {
			if r.Name == name {
				return r
			}
		}
		return nil
	}
	for i, b := range o.roleBindings {
		bn := "RoleBinding " + b.Namespace + "/" + b.Name
		nb := b.DeepCopy()
		nb.Subjects = keepSubjects(b.Subjects, subjects[bn])
		own := fmt.Sprintf("import-judge-%d", i)
		switch b.RoleRef.Kind {
		case "Role":
			if r := findRole(b.Namespace, b.RoleRef.Name); r != nil {
				nr := r.DeepCopy()
				nr.Name, nr.Rules = own, keep(r.Rules, rules[key{bn, "Role " + r.Namespace + "/" + r.Name}])
				res.roles = append(res.roles, nr)
				nb.RoleRef.Name = own
			}
		case "ClusterRole":
			if r := findCluster(b.RoleRef.Name); r != nil {
				nr := &rbacv1.Role{Rules: keep(r.Rules, rules[key{bn, "ClusterRole " + r.Name}])}
				nr.Name, nr.Namespace = own, b.Namespace
				res.roles = append(res.roles, nr)
				nb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: own}
			}
		}
		res.roleBindings = append(res.roleBindings, nb)
	}
	for i, b := range o.clusterRoleBindings {
		bn := "ClusterRoleBinding " + b.Name
		nb := b.DeepCopy()
		nb.Subjects = keepSubjects(b.Subjects, subjects[bn])
		if r := findCluster(b.RoleRef.Name); r != nil && b.RoleRef.Kind == "ClusterRole" {
			nr := r.DeepCopy()
			nr.Name, nr.Rules = fmt.Sprintf("import-judge-cluster-%d", i), keep(r.Rules, rules[key{bn, "ClusterRole " + r.Name}])
			nr.AggregationRule = nil
			res.clusterRoles = append(res.clusterRoles, nr)
			nb.RoleRef.Name = nr.Name
		}
		res.clusterRoleBindings = append(res.clusterRoleBindings, nb)
	}
	return res
}

// clusterScoped are the built-in cluster-scoped resources the request space may hold;
// they are asked about cluster-wide only.
var clusterScoped = map[string]bool{"nodes": true, "namespaces": true, "persistentvolumes": true, "clusterroles.rbac.authorization.k8s.io": true,
	"clusterrolebindings.rbac.authorization.k8s.io": true, "storageclasses.storage.k8s.io": true, "customresourcedefinitions.apiextensions.k8s.io": true}

// importRequests is every question over the subjects, resources, namespaces and names
// the objects mention, plus strangers of each.
func importRequests(o rbacObjects) []question {
	var whos []who
	seen := map[string]bool{}
	addWho := func(s rbacv1.Subject, bindingNS string) {
		var w who
		switch s.Kind {
		case rbacv1.UserKind:
			w = who{s.Name, []string{user.AllAuthenticated}}
		case rbacv1.GroupKind:
			w = who{"member-of-" + s.Name, []string{s.Name, user.AllAuthenticated}}
		case rbacv1.ServiceAccountKind:
			ns := s.Namespace
			if ns == "" {
				ns = bindingNS
			}
			w = serviceAccount(ns, s.Name)
		default:
			return
		}
		if !seen[w.name] {
			seen[w.name] = true
			whos = append(whos, w)
		}
	}
	resources := map[string]bool{"pods": true, "secrets": true, "deployments.apps": true, "nodes": true, "pods/exec": true, "configmaps": true}
	nss := map[string]bool{"": true, "stranger-ns": true}
	names := map[string]bool{"": true, "stranger": true}
	addRules := func(rs []rbacv1.PolicyRule) {
		for _, r := range rs {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					if g == "*" || strings.Contains(res, "*") {
						continue
					}
					base, sub, ok := strings.Cut(res, "/")
					s := base
					if g != "" {
						s += "." + g
					}
					if ok {
						s += "/" + sub
					}
					resources[s] = true
				}
			}
			for _, n := range r.ResourceNames {
				names[n] = true
			}
		}
	}
	for _, r := range o.roles {
		addRules(r.Rules)
		nss[r.Namespace] = true
	}
	for _, r := range o.clusterRoles {
		addRules(r.Rules)
	}
	for _, b := range o.roleBindings {
		nss[b.Namespace] = true
		for _, s := range b.Subjects {
			addWho(s, b.Namespace)
		}
	}
	for _, b := range o.clusterRoleBindings {
		for _, s := range b.Subjects {
			addWho(s, "")
		}
	}
	whos = append(whos, nobody)
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "impersonate", "use", "approve"}
	var qs []question
	for _, w := range whos {
		for _, v := range verbs {
			for _, r := range slices.Sorted(maps.Keys(resources)) {
				for _, ns := range slices.Sorted(maps.Keys(nss)) {
					if ns != "" && clusterScoped[strings.Split(r, "/")[0]] {
						continue
					}
					for _, n := range slices.Sorted(maps.Keys(names)) {
						// The API server authorises create and deletecollection of an
						// object before it has a name (a subresource's create names
						// its parent).
						if n != "" && (v == "deletecollection" || v == "create" && !strings.Contains(r, "/")) {
							continue
						}
						qs = append(qs, question{who: w, verb: v, resource: r, ns: ns, name: n})
					}
				}
			}
		}
	}
	return qs
}

func TestImportRBACRoundTrip(t *testing.T) {
	total, differ, dropped := 0, 0, 0
	for name, srcs := range rbacFixtures(t) {
		t.Run(name, func(t *testing.T) {
			res, diags, err := importer.Import(srcs, importer.Options{})
			if err != nil || diags.HasErrors() {
				t.Fatalf("import: %v %v", err, diags)
			}
			var progSrcs []compiler.Source
			var cfg *config.Config
			for _, f := range res.Files {
				switch {
				case strings.HasSuffix(f.Path, ".net"):
					progSrcs = append(progSrcs, compiler.Source{Name: f.Path, Data: f.Data})
				case f.Path == importer.ConfigFile:
					cfg, _ = config.Load(f.Path, f.Data)
				}
			}
			p := compile(t, progSrcs, cfg)
			var rbacFiles []artifact.File
			for _, f := range build(t, p, cfg) {
				if strings.HasSuffix(f.Path, ".yaml") {
					rbacFiles = append(rbacFiles, f)
				}
			}
			built := loadRBAC(t, rbacFiles).authorizer()
			orig := decodedRBAC(t, srcs)
			want := lessDropped(t, orig, res.Report.Dropped).authorizer()
			asIs := orig.authorizer()
			qs := importRequests(orig)
			n, d, bad := 0, 0, 0
			for _, q := range qs {
				a := q.attributes()
				got, exp := allowed(t, built, a), allowed(t, want, a)
				n++
				if allowed(t, asIs, a) != got {
					d++
				}
				if got != exp {
					bad++
					if bad <= 20 {
						t.Errorf("%s: the built RBAC says %v, the original less the report %v", q, got, exp)
					}
				}
			}
			t.Logf("%s: %d requests; %d answered differently from the original, all by the %d reported rules and subjects", name, n, d, len(res.Report.Dropped))
			total, differ, dropped = total+n, differ+d, dropped+len(res.Report.Dropped)
			if bad > 0 {
				t.Errorf("%d of %d answers differ beyond the report", bad, n)
			}
		})
	}
	t.Logf("netc import RBAC round trip: %d requests over the fixtures; %d answers differ from the original, each by a reported rule or subject (%d reported)", total, differ, dropped)
}
