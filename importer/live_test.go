package importer

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestListSources reads a fake cluster: only list calls are made, objects a controller
// owns are left out (the Deployment stands for its ReplicaSet and pods; a static pod,
// owned by its Node, stays), and the import is the one manifests would give.
func TestListSources(t *testing.T) {
	yes := true
	owned := func(kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, Controller: &yes}}
	}
	labels := map[string]string{"app": "web"}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
	cs := fake.NewSimpleClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: appsv1.DeploymentSpec{Template: tmpl}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f", Namespace: "shop", OwnerReferences: owned("Deployment", "web")},
			Spec: appsv1.ReplicaSetSpec{Template: tmpl}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f-x", Namespace: "shop", Labels: map[string]string{"app": "web", "pod-template-hash": "5d8f"},
			OwnerReferences: owned("ReplicaSet", "web-5d8f")}, Spec: tmpl.Spec},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "etcd-node1", Namespace: "kube-system", Labels: map[string]string{"component": "etcd"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: "node1", Controller: &yes}}}},
		&networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: labels}, PolicyTypes: []networkingv1.PolicyType{"Ingress", "Egress"}}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "shop"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "shop"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"},
			Subjects: []rbacv1.Subject{{Kind: "Group", Name: "devs"}}},
	)
	srcs, err := ListSources(context.Background(), cs, "cluster:test")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cs.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("a %s call on %s: --cluster makes list calls only", a.GetVerb(), a.GetResource().Resource)
		}
	}
	res, diags, err := Import(srcs, Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("%v %v", err, diags)
	}
	files := map[string]string{}
	for _, f := range res.Files {
		files[f.Path] = string(f.Data)
	}
	shop := files["shop.net"]
	if !strings.Contains(shop, "service web {\n  port http 8080\n}") || strings.Contains(shop, "5d8f") {
		t.Errorf("shop.net: want the Deployment alone, as service web:\n%s", shop)
	}
	if !strings.Contains(files["kube-system.net"], "service etcd-node1") {
		t.Errorf("kube-system.net: want the static pod:\n%s", files["kube-system.net"])
	}
	if !strings.Contains(files[AccessFile], "group devs can get pods in shop") {
		t.Errorf("%s:\n%s", AccessFile, files[AccessFile])
	}
}
