package compiler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/diag"
)

// rbacRecorder is a Reporter that keeps what a rule reports as "LINE: MESSAGE" strings,
// plus " (related LINE: MESSAGE)" for each related span.
type rbacRecorder struct{ got []string }

func (r *rbacRecorder) Report(span diag.Span, msg string, related ...diag.Related) {
	s := fmt.Sprintf("%d: %s", span.Start.Line, msg)
	for _, rel := range related {
		s += fmt.Sprintf(" (related %d: %s)", rel.Span.Start.Line, rel.Message)
	}
	r.got = append(r.got, s)
}

var (
	tGroupDev  = ir.Subject{Kind: ir.Group, Name: "developers"}
	tGroupSec  = ir.Subject{Kind: ir.Group, Name: "security-engineers"}
	tGroupSRE  = ir.Subject{Kind: ir.Group, Name: "sre"}
	tUserAlice = ir.Subject{Kind: ir.User, Name: "alice@example.com"}
	tSABackend = ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "backend"}
	tSADeploy  = ir.Subject{Kind: ir.ServiceAccount, Namespace: "ci", Name: "deployer"}
)

// tGrant builds a grant on line with the compiler's own lowering (k8sapi.Rules). where is
// namespaces, or "cluster".
func tGrant(t *testing.T, line int, subj ir.Subject, verbs, resources, names []string, where ...string) *ir.Grant {
	t.Helper()
	var res []k8sapi.Resource
	for _, n := range resources {
		r, err := k8sapi.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	rules, err := k8sapi.Rules(verbs, res, names)
	if err != nil {
		t.Fatal(err)
	}
	g := &ir.Grant{Subject: subj, Rules: rules, Span: diag.Span{File: "t.net", Start: diag.Pos{Line: line, Col: 1}}}
	if len(where) == 1 && where[0] == "cluster" {
		g.Cluster = true
	} else {
		g.Namespaces = slices.Sorted(slices.Values(where))
	}
	return g
}

func rbacRule(t *testing.T, id string) Rule {
	t.Helper()
	for _, r := range rbacRules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return Rule{}
}

func runRBACRule(t *testing.T, id string, grants ...*ir.Grant) []string {
	t.Helper()
	rec := &rbacRecorder{}
	rbacRule(t, id).Check(&ir.Program{Grants: grants}, rec)
	return rec.got
}

func TestRBACRulesTable(t *testing.T) {
	want := map[string]diag.Severity{
		"wildcard-verb":              diag.Error,
		"wildcard-resource":          diag.Error,
		"escalation-verb":            diag.Error,
		"separation-of-duties":       diag.Error,
		"secrets-access":             diag.Warning,
		"cluster-scope":              diag.Warning,
		"access-to-create-pods":      diag.Warning,
		"pod-exec":                   diag.Warning,
		"token-request":              diag.Warning,
		"persistent-volume-creation": diag.Error,
		"node-proxy":                 diag.Error,
		"csr-approval":               diag.Error,
		"admission-webhooks":         diag.Error,
		"namespace-modification":     diag.Warning,
	}
	if len(rbacRules) != len(want) {
		t.Errorf("%d rules, want %d", len(rbacRules), len(want))
	}
	for _, r := range rbacRules {
		sev, ok := want[r.ID]
		if !ok {
			t.Errorf("unexpected rule %s", r.ID)
			continue
		}
		if r.Severity != sev {
			t.Errorf("%s: severity %v, want %v", r.ID, r.Severity, sev)
		}
		if r.Doc == "" || strings.Contains(r.Doc, "\n") || r.Remediation == "" || r.Check == nil {
			t.Errorf("%s: needs a one-line Doc, a Remediation and a Check", r.ID)
		}
		// Nothing to report on a program without grants.
		rec := &rbacRecorder{}
		r.Check(&ir.Program{}, rec)
		if len(rec.got) != 0 {
			t.Errorf("%s reports on an empty program: %v", r.ID, rec.got)
		}
	}
}

type rbacCase struct {
	name   string
	grants func(t *testing.T) []*ir.Grant
	want   []string // exact reports; nil: must not fire
}

func runRBACCases(t *testing.T, id string, cases []rbacCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runRBACRule(t, id, c.grants(t)...)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s reported\n  %s\nwant\n  %s", id, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestWildcardVerb(t *testing.T) {
	runRBACCases(t, "wildcard-verb", []rbacCase{
		{"star verb", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, tGroupDev, []string{"*"}, []string{"configmaps", "deployments"}, nil, "shop")}
		}, []string{"3: grant gives group developers every verb (*) on configmaps, deployments"}},
		{"star among verbs", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 4, tGroupDev, []string{"get", "*"}, []string{"pods"}, nil, "shop")}
		}, []string{"4: grant gives group developers every verb (*) on pods"}},
		{"bundles are not wildcards", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tGroupDev, []string{"edit"}, []string{"*"}, nil, "shop"),
			}
		}, nil},
	})
}

func TestWildcardResource(t *testing.T) {
	runRBACCases(t, "wildcard-resource", []rbacCase{
		{"every resource", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, tGroupSRE, []string{"view"}, []string{"*"}, nil, "cluster")}
		}, []string{"2: grant gives group sre a wildcard resource: *"}},
		{"every resource of a group", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 5, tGroupDev, []string{"get"}, []string{"*.apps", "pods"}, nil, "shop")}
		}, []string{"5: grant gives group developers a wildcard resource: *.apps"}},
		{"subresource of every resource", func(t *testing.T) []*ir.Grant {
			g := tGrant(t, 6, tGroupDev, []string{"get"}, []string{"pods"}, nil, "shop")
			g.Rules = append(g.Rules, ir.Rule{APIGroup: "", Resources: []string{"*/log"}, Verbs: []string{"get"}})
			return []*ir.Grant{g}
		}, []string{"6: grant gives group developers a wildcard resource: */log"}},
		{"every group", func(t *testing.T) []*ir.Grant {
			g := tGrant(t, 7, tGroupDev, []string{"get"}, []string{"pods"}, nil, "shop")
			g.Rules[0].APIGroup = "*"
			return []*ir.Grant{g}
		}, []string{"7: grant gives group developers a wildcard resource: pods.*"}},
		{"star verb alone is not a wildcard resource", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"*"}, []string{"pods"}, nil, "shop"),
				tGrant(t, 2, tGroupDev, []string{"deploy"}, nil, nil, "shop"),
			}
		}, nil},
	})
}

func TestEscalationVerb(t *testing.T) {
	runRBACCases(t, "escalation-verb", []rbacCase{
		{"bind and escalate", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupDev, []string{"bind", "escalate"}, []string{"clusterroles"}, nil, "cluster")}
		}, []string{"1: grant gives group developers bind, escalate on clusterroles, which lets it raise its own privileges"}},
		{"impersonate", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, tUserAlice, []string{"impersonate"}, []string{"users", "groups"}, nil, "cluster")}
		}, []string{"2: grant gives user alice@example.com impersonate on groups; impersonate on users, which lets it raise its own privileges"}},
		{"impersonate a custom resource still fires", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, tUserAlice, []string{"impersonate"}, []string{"widgets.example.com"}, nil, "shop")}
		}, []string{"3: grant gives user alice@example.com impersonate on widgets.example.com, which lets it raise its own privileges"}},
		{"edit rolebindings", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 4, tSADeploy, []string{"edit"}, []string{"rolebindings"}, nil, "staging")}
		}, []string{"4: grant gives serviceaccount ci/deployer create, delete, patch, update on rolebindings, which lets it raise its own privileges"}},
		{"patch roles named", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 5, tGroupDev, []string{"patch"}, []string{"roles"}, []string{"app"}, "staging")}
		}, []string{"5: grant gives group developers patch on roles, which lets it raise its own privileges"}},
		{"star on everything covers RBAC", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 6, tGroupSRE, []string{"*"}, []string{"*.rbac.authorization.k8s.io"}, nil, "cluster")}
		}, []string{"6: grant gives group sre bind, escalate, create, delete, deletecollection, patch, update on roles; bind, escalate, create, delete, deletecollection, patch, update on clusterroles; create, delete, deletecollection, patch, update on rolebindings; and 1 more, which lets it raise its own privileges"}},
		{"reading RBAC, deploying, editing network policy: no escalation", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSec, []string{"view"}, []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}, nil, "cluster"),
				tGrant(t, 2, tGroupDev, []string{"deploy"}, nil, nil, "staging"),
				tGrant(t, 3, tGroupSec, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"),
				tGrant(t, 4, tGroupDev, []string{"*"}, []string{"configmaps"}, nil, "shop"),
			}
		}, nil},
	})
}

func TestSeparationOfDuties(t *testing.T) {
	runRBACCases(t, "separation-of-duties", []rbacCase{
		{"two grants, same namespace", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "staging", "shop"),
				tGrant(t, 2, tGroupDev, []string{"edit"}, []string{"networkpolicies"}, nil, "shop", "prod"),
			}
		}, []string{"2: group developers can both change network policy or RBAC and deploy workloads in shop (related 1: this grant deploys workloads)"}},
		{"one grant does both", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, tSADeploy, []string{"create", "patch"}, []string{"deployments", "rolebindings"}, nil, "staging")}
		}, []string{"3: serviceaccount ci/deployer can both change network policy or RBAC and deploy workloads in staging"}},
		{"cluster policy grant meets namespace deploy", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSec, []string{"edit"}, []string{"networkpolicies"}, nil, "cluster"),
				tGrant(t, 2, tGroupSec, []string{"update"}, []string{"jobs"}, nil, "batch-a", "batch-b"),
			}
		}, []string{"2: group security-engineers can both change network policy or RBAC and deploy workloads in batch-a, batch-b (related 1: this grant changes network policy or RBAC)"}},
		{"cluster deploy grant meets namespace policy", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSec, []string{"edit"}, []string{"roles"}, nil, "shop"),
				tGrant(t, 2, tGroupSec, []string{"deploy"}, []string{"deployments"}, nil, "cluster"),
			}
		}, []string{"2: group security-engineers can both change network policy or RBAC and deploy workloads in shop (related 1: this grant changes network policy or RBAC)"}},
		{"both cluster-wide", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 4, tGroupSRE, []string{"deploy"}, nil, nil, "cluster"),
				tGrant(t, 1, tGroupSRE, []string{"create"}, []string{"clusterrolebindings"}, nil, "cluster"),
			}
		}, []string{"4: group sre can both change network policy or RBAC and deploy workloads in every namespace (related 1: this grant changes network policy or RBAC)"}},
		{"many namespaces are summarised", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "a", "b", "c", "d", "e"),
				tGrant(t, 2, tGroupDev, []string{"delete"}, []string{"networkpolicies"}, nil, "e", "d", "c", "b", "a"),
			}
		}, []string{"2: group developers can both change network policy or RBAC and deploy workloads in a, b, c and 2 more (related 1: this grant deploys workloads)"}},
		{"different subjects, same namespace", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tGroupSec, []string{"edit"}, []string{"networkpolicies", "roles", "rolebindings"}, nil, "shop"),
				tGrant(t, 3, ir.Subject{Kind: ir.User, Name: "developers"}, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"),
				tGrant(t, 4, ir.Subject{Kind: ir.ServiceAccount, Namespace: "other", Name: "deployer"}, []string{"edit"}, []string{"networkpolicies"}, nil, "staging"),
				tGrant(t, 5, tSADeploy, []string{"deploy"}, nil, nil, "staging"),
			}
		}, nil},
		{"same subject, different namespaces", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "staging"),
				tGrant(t, 2, tGroupDev, []string{"edit"}, []string{"networkpolicies"}, nil, "sandbox"),
			}
		}, nil},
		{"reading policy is not changing it", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "staging"),
				tGrant(t, 2, tGroupDev, []string{"view"}, []string{"networkpolicies", "rolebindings"}, nil, "cluster"),
			}
		}, nil},
		{"reading workloads is not deploying", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSec, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"),
				tGrant(t, 2, tGroupSec, []string{"view"}, []string{"deployments", "pods", "pods/log"}, nil, "shop"),
			}
		}, nil},
		{"a namespace grant on cluster RBAC objects gives nothing there", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "staging"),
				tGrant(t, 2, tGroupDev, []string{"create"}, []string{"clusterrolebindings"}, nil, "staging"),
			}
		}, nil},
	})
}

func TestSecretsAccess(t *testing.T) {
	runRBACCases(t, "secrets-access", []rbacCase{
		{"service account reads every secret", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, tSABackend, []string{"get", "list"}, []string{"secrets"}, nil, "shop")}
		}, []string{"2: serviceaccount shop/backend can get, list every secret in shop; name the secrets it needs with `named`"}},
		{"view bundle, cluster-wide", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, tSADeploy, []string{"view"}, []string{"secrets", "configmaps"}, nil, "cluster")}
		}, []string{"3: serviceaccount ci/deployer can get, list, watch every secret cluster-wide; name the secrets it needs with `named`"}},
		{"wildcard resource covers secrets", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 4, tSABackend, []string{"watch"}, []string{"*"}, nil, "shop")}
		}, []string{"4: serviceaccount shop/backend can watch every secret in shop; name the secrets it needs with `named`"}},
		{"people too", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 3, tGroupDev, []string{"view"}, []string{"secrets"}, nil, "shop"),
				tGrant(t, 4, tUserAlice, []string{"list"}, []string{"secrets"}, nil, "cluster"),
			}
		}, []string{
			"3: group developers can get, list, watch every secret in shop; name the secrets it needs with `named`",
			"4: user alice@example.com can list every secret cluster-wide; name the secrets it needs with `named`",
		}},
		{"named secrets, writes, other resources", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tSABackend, []string{"get"}, []string{"secrets"}, []string{"stripe-key"}, "shop"),
				tGrant(t, 2, tSABackend, []string{"create"}, []string{"secrets"}, nil, "shop"),
				tGrant(t, 3, tGroupDev, []string{"view"}, []string{"secrets"}, []string{"tls"}, "shop"),
				tGrant(t, 5, tSABackend, []string{"view"}, []string{"configmaps", "secrets.example.com"}, nil, "shop"),
			}
		}, nil},
	})
}

func TestClusterScope(t *testing.T) {
	runRBACCases(t, "cluster-scope", []rbacCase{
		{"namespaced resources cluster-wide", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupSRE, []string{"view"}, []string{"pods", "pods/log", "nodes"}, nil, "cluster")}
		}, []string{"1: cluster-wide grant gives group sre pods, pods/log in every namespace; list the namespaces it needs with `in`"}},
		{"custom resources are assumed namespaced", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, tGroupSRE, []string{"view"}, []string{"certificates.cert-manager.io"}, nil, "cluster")}
		}, []string{"2: cluster-wide grant gives group sre certificates.cert-manager.io in every namespace; list the namespaces it needs with `in`"}},
		{"deploy cluster-wide", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, tSADeploy, []string{"deploy"}, nil, nil, "cluster")}
		}, []string{"3: cluster-wide grant gives serviceaccount ci/deployer configmaps, pods, services and 7 more in every namespace; list the namespaces it needs with `in`"}},
		{"cluster-scoped resources and namespace grants", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSRE, []string{"view"}, []string{"nodes", "namespaces", "persistentvolumes", "storageclasses", "clusterroles"}, nil, "cluster"),
				tGrant(t, 2, tGroupDev, []string{"view"}, []string{"pods"}, nil, "shop", "staging"),
			}
		}, nil},
	})
}

// A subject's grants in many namespaces must stay linear: 20,000 grants in distinct
// namespaces, each deploy and policy in the same namespace, report each pair once.
func TestSeparationOfDutiesManyNamespaces(t *testing.T) {
	var grants []*ir.Grant
	for i := range 10000 {
		ns := fmt.Sprintf("ns-%d", i)
		grants = append(grants,
			tGrant(t, 2*i+1, tGroupDev, []string{"deploy"}, nil, nil, ns),
			tGrant(t, 2*i+2, tGroupDev, []string{"edit"}, []string{"networkpolicies"}, nil, ns))
	}
	got := runRBACRule(t, "separation-of-duties", grants...)
	if len(got) != 10000 {
		t.Fatalf("%d reports, want 10000", len(got))
	}
}

func TestPodExec(t *testing.T) {
	runRBACCases(t, "pod-exec", []rbacCase{
		{"exec and port-forward", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupDev, []string{"create"}, []string{"pods/exec", "pods/portforward"}, nil, "shop")}
		}, []string{"1: grant gives group developers create on pods/exec; create on pods/portforward in shop: it can act inside running pods, with their ServiceAccounts and mounted secrets, and port-forwarding reaches pods past every NetworkPolicy"}},
		{"get on attach counts, ephemeral containers", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 2, tUserAlice, []string{"get"}, []string{"pods/attach"}, nil, "shop"),
				tGrant(t, 3, tUserAlice, []string{"patch"}, []string{"pods/ephemeralcontainers"}, nil, "shop"),
			}
		}, []string{
			"2: grant gives user alice@example.com get on pods/attach in shop: it can act inside running pods, with their ServiceAccounts and mounted secrets",
			"3: grant gives user alice@example.com patch on pods/ephemeralcontainers in shop: it can act inside running pods, with their ServiceAccounts and mounted secrets",
		}},
		{"logs, deploy and reading pods are not exec", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tGroupDev, []string{"view"}, []string{"pods", "pods/log"}, nil, "shop"),
				tGrant(t, 3, tGroupDev, []string{"get"}, []string{"pods/ephemeralcontainers"}, nil, "shop"),
			}
		}, nil},
	})
}

func TestTokenRequest(t *testing.T) {
	runRBACCases(t, "token-request", []rbacCase{
		{"every account", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tSADeploy, []string{"create"}, []string{"serviceaccounts/token"}, nil, "shop")}
		}, []string{"1: grant gives serviceaccount ci/deployer create on serviceaccounts/token in shop: it can mint a token for every ServiceAccount there and act as it"}},
		{"named accounts", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, tGroupDev, []string{"create"}, []string{"serviceaccounts/token"}, []string{"web"}, "shop")}
		}, []string{"2: grant gives group developers create on serviceaccounts/token in shop: it can mint a token for ServiceAccount web there and act as it"}},
		{"managing service accounts is not a token request", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupDev, []string{"edit"}, []string{"serviceaccounts"}, nil, "shop")}
		}, nil},
	})
}

func TestClusterEscalations(t *testing.T) {
	admins := ir.Subject{Kind: ir.Group, Name: "admins"}
	runRBACCases(t, "persistent-volume-creation", []rbacCase{
		{"create", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupSRE, []string{"edit"}, []string{"persistentvolumes"}, nil, "cluster")}
		}, []string{"1: grant gives group sre create on persistentvolumes: a hostPath volume gives pods the node's filesystem"}},
		{"claims and reading volumes", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"edit"}, []string{"persistentvolumeclaims"}, nil, "shop"),
				tGrant(t, 2, tGroupSRE, []string{"view", "delete"}, []string{"persistentvolumes"}, nil, "cluster"),
			}
		}, nil},
	})
	runRBACCases(t, "node-proxy", []rbacCase{
		{"get is enough", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupSRE, []string{"get"}, []string{"nodes/proxy", "nodes"}, nil, "cluster")}
		}, []string{"1: grant gives group sre get on nodes/proxy: the kubelet API runs commands in every pod of the nodes, past audit logging and admission control"}},
		{"a wildcard resource covers it", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 2, admins, []string{"get"}, []string{"*"}, nil, "cluster")}
		}, []string{"2: grant gives group admins get on nodes/proxy: the kubelet API runs commands in every pod of the nodes, past audit logging and admission control"}},
		{"nodes, their stats and a namespace wildcard", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSRE, []string{"view"}, []string{"nodes", "nodes/stats", "nodes/metrics"}, nil, "cluster"),
				tGrant(t, 2, admins, []string{"get"}, []string{"*"}, nil, "ops"),
			}
		}, nil},
	})
	runRBACCases(t, "csr-approval", []rbacCase{
		{"approval and every signer", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupSRE, []string{"update"}, []string{"certificatesigningrequests/approval"}, nil, "cluster"),
				tGrant(t, 2, tGroupSRE, []string{"approve"}, []string{"signers"}, nil, "cluster"),
				tGrant(t, 3, tGroupSRE, []string{"approve"}, []string{"signers"}, []string{"kubernetes.io/kube-apiserver-client"}, "cluster")}
		}, []string{
			"1: grant gives group sre update on certificatesigningrequests/approval: approving a kube-apiserver-client CSR issues a client certificate for any user or group, system:masters included",
			"2: grant gives group sre approve on signers: approving a kube-apiserver-client CSR issues a client certificate for any user or group, system:masters included",
			"3: grant gives group sre approve on signers: approving a kube-apiserver-client CSR issues a client certificate for any user or group, system:masters included",
		}},
		{"own signer, creating and reading CSRs", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSRE, []string{"approve"}, []string{"signers"}, []string{"example.com/my-signer"}, "cluster"),
				tGrant(t, 2, tGroupSRE, []string{"create", "get"}, []string{"certificatesigningrequests"}, nil, "cluster"),
			}
		}, nil},
	})
	runRBACCases(t, "admission-webhooks", []rbacCase{
		{"mutating webhooks and policies", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, admins, []string{"patch"}, []string{"mutatingwebhookconfigurations", "mutatingadmissionpolicies"}, nil, "cluster")}
		}, []string{"1: grant gives group admins patch on mutatingwebhookconfigurations; patch on mutatingadmissionpolicies: its webhooks see every object admitted to the cluster, secrets included, and mutating ones rewrite them"}},
		{"reading webhooks, validating policies", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, admins, []string{"view"}, []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, nil, "cluster"),
				tGrant(t, 2, admins, []string{"edit"}, []string{"validatingadmissionpolicies"}, nil, "cluster"),
			}
		}, nil},
	})
	runRBACCases(t, "namespace-modification", []rbacCase{
		{"patch every namespace, update named", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupSRE, []string{"patch"}, []string{"namespaces"}, nil, "cluster"),
				tGrant(t, 2, tGroupDev, []string{"update"}, []string{"namespaces"}, []string{"shop"}, "cluster"),
			}
		}, []string{
			"1: grant gives group sre patch on namespaces: it can relabel every namespace and switch off the Pod Security admission its labels enforce",
			"2: grant gives group developers update on namespaces: it can relabel namespace shop and switch off the Pod Security admission its labels enforce",
		}},
		{"a wildcard in a namespace relabels that namespace", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 3, admins, []string{"*"}, []string{"*"}, nil, "ops")}
		}, []string{"3: grant gives group admins patch, update on namespaces: it can relabel namespace ops and switch off the Pod Security admission its labels enforce"}},
		{"reading and creating namespaces", func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{tGrant(t, 1, tGroupSRE, []string{"view", "create", "delete"}, []string{"namespaces"}, nil, "cluster")}
		}, nil},
	})
}

// runRBACProgram runs rule id over grants with the services svcs ("NS/NAME", account
// NAME) in the program, for the rules that use the program's accounts.
func runRBACProgram(t *testing.T, id string, svcs []string, grants ...*ir.Grant) []string {
	t.Helper()
	p := &ir.Program{Grants: grants}
	for _, s := range svcs {
		ns, name, _ := strings.Cut(s, "/")
		p.Services = append(p.Services, &ir.Service{Namespace: ns, Name: name, Account: name})
	}
	rec := &rbacRecorder{}
	rbacRule(t, id).Check(p, rec)
	return rec.got
}

// rbacProgramCase is an rbacCase over a program with services ("NS/NAME").
type rbacProgramCase struct {
	name   string
	svcs   []string
	grants func(t *testing.T) []*ir.Grant
	want   []string
}

func runRBACProgramCases(t *testing.T, id string, cases []rbacProgramCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := runRBACProgram(t, id, c.svcs, c.grants(t)...)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s reported\n  %s\nwant\n  %s", id, strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

func TestEffectiveSeparationOfDuties(t *testing.T) {
	runRBACProgramCases(t, "separation-of-duties", []rbacProgramCase{
		{"deployer acts as an account that edits network policy", []string{"shop/backend"}, func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tSADeploy, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"),
			}
		}, []string{"1: serviceaccount ci/deployer can both change network policy or RBAC and deploy workloads in shop: it can act as serviceaccount shop/backend, which changes network policy or RBAC (related 2: this grant lets serviceaccount shop/backend change network policy or RBAC)"}},
		{"token request for the account, policy edited directly", []string{"shop/web"}, func(t *testing.T) []*ir.Grant {
			web := ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "web"}
			return []*ir.Grant{
				tGrant(t, 1, tGroupSec, []string{"edit"}, []string{"networkpolicies"}, nil, "staging"),
				tGrant(t, 2, tGroupSec, []string{"create"}, []string{"serviceaccounts/token"}, []string{"web"}, "shop"),
				tGrant(t, 3, web, []string{"deploy"}, nil, nil, "staging"),
			}
		}, []string{"1: group security-engineers can both change network policy or RBAC and deploy workloads in staging: it can act as serviceaccount shop/web, which deploys workloads (related 3: this grant lets serviceaccount shop/web deploy workloads) (related 2: this grant lets group security-engineers act as serviceaccount shop/web)"}},
		{"transitive: deployer runs as an account that deploys where a third edits policy", []string{"shop/backend", "prod/ops"}, func(t *testing.T) []*ir.Grant {
			ops := ir.Subject{Kind: ir.ServiceAccount, Namespace: "prod", Name: "ops"}
			return []*ir.Grant{
				tGrant(t, 1, tSADeploy, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"create"}, []string{"pods"}, nil, "prod"),
				tGrant(t, 3, ops, []string{"edit"}, []string{"rolebindings"}, nil, "shop"),
			}
		}, []string{"1: serviceaccount ci/deployer can both change network policy or RBAC and deploy workloads in shop: it can act as serviceaccount prod/ops, which changes network policy or RBAC (related 3: this grant lets serviceaccount prod/ops change network policy or RBAC)"}},
		{"both duties through two accounts", []string{"shop/backend", "shop/web"}, func(t *testing.T) []*ir.Grant {
			web := ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: "web"}
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"create"}, []string{"serviceaccounts/token"}, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"edit"}, []string{"networkpolicies"}, nil, "payments"),
				tGrant(t, 3, web, []string{"deploy"}, nil, nil, "payments"),
			}
		}, []string{"1: group developers can both change network policy or RBAC and deploy workloads in payments: it can act as serviceaccount shop/backend, which changes network policy or RBAC, and as serviceaccount shop/web, which deploys workloads (related 2: this grant lets serviceaccount shop/backend change network policy or RBAC) (related 3: this grant lets serviceaccount shop/web deploy workloads)"}},
		{"the account cannot do more, or lives elsewhere", []string{"shop/backend", "payments/api"}, func(t *testing.T) []*ir.Grant {
			api := ir.Subject{Kind: ir.ServiceAccount, Namespace: "payments", Name: "api"}
			return []*ir.Grant{
				tGrant(t, 1, tSADeploy, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"get"}, []string{"configmaps"}, nil, "shop"),
				tGrant(t, 3, api, []string{"edit"}, []string{"networkpolicies"}, nil, "payments"),
				tGrant(t, 4, tGroupDev, []string{"view"}, []string{"pods/exec"}, nil, "payments"),
			}
		}, nil},
	})
}

func TestAccessToCreatePods(t *testing.T) {
	runRBACProgramCases(t, "access-to-create-pods", []rbacProgramCase{
		{"an account of the namespace holds more", []string{"shop/backend", "shop/web"}, func(t *testing.T) []*ir.Grant {
			return []*ir.Grant{
				tGrant(t, 1, tGroupDev, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"list"}, []string{"secrets"}, nil, "shop"),
			}
		}, []string{"1: group developers can create pods in shop, so it can run pods as serviceaccount shop/backend (list secrets in shop), and so holds rights it was not granted (related 2: this grant gives serviceaccount shop/backend list secrets in shop)"}},
		{"mountable secrets and configmaps are held anyway; other namespaces do not count", []string{"shop/backend", "prod/api"}, func(t *testing.T) []*ir.Grant {
			api := ir.Subject{Kind: ir.ServiceAccount, Namespace: "prod", Name: "api"}
			return []*ir.Grant{
				tGrant(t, 1, tSADeploy, []string{"deploy"}, nil, nil, "shop"),
				tGrant(t, 2, tSABackend, []string{"get"}, []string{"secrets"}, []string{"stripe-key"}, "shop"),
				tGrant(t, 3, tSABackend, []string{"get"}, []string{"configmaps"}, nil, "shop"),
				tGrant(t, 4, api, []string{"edit"}, []string{"networkpolicies"}, nil, "prod"),
				tGrant(t, 5, tGroupDev, []string{"view"}, []string{"deployments"}, nil, "prod"),
			}
		}, nil},
	})
}

// Many deployers over many accounts of one namespace: each deployer's finding comes
// once, from per-namespace summaries rather than deployer × account pairs.
func TestEffectiveManyDeployersManyAccounts(t *testing.T) {
	var svcs []string
	var grants []*ir.Grant
	for i := range 1000 {
		name := fmt.Sprintf("svc-%d", i)
		svcs = append(svcs, "shop/"+name)
		grants = append(grants, tGrant(t, i+1, ir.Subject{Kind: ir.ServiceAccount, Namespace: "shop", Name: name}, []string{"get"}, []string{"configmaps"}, []string{name}, "shop"))
	}
	grants = append(grants, tGrant(t, 1001, tSABackend, []string{"edit"}, []string{"networkpolicies"}, nil, "shop"))
	svcs = append(svcs, "shop/backend")
	for i := range 1000 {
		grants = append(grants, tGrant(t, 2000+i, ir.Subject{Kind: ir.Group, Name: fmt.Sprintf("dev-%d", i)}, []string{"deploy"}, nil, nil, "shop"))
	}
	if got := runRBACProgram(t, "separation-of-duties", svcs, grants...); len(got) != 1000 {
		t.Errorf("separation-of-duties: %d reports, want 1000 (one per deployer)", len(got))
	}
	if got := runRBACProgram(t, "access-to-create-pods", svcs, grants...); len(got) != 1000 || !strings.Contains(got[0], "serviceaccount shop/backend (create networkpolicies in shop)") {
		t.Errorf("access-to-create-pods: %d reports, want 1000 naming backend; first %q", len(got), got[:min(1, len(got))])
	}
}
