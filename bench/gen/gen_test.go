package gen

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
)

// The workload is what issue 5 describes: N/50 namespaces, 5 distinct callees per
// service, 3 of them in its own namespace, never itself.
func TestShape(t *testing.T) {
	for _, n := range []int{1, 7, 49, 50, 120, 2000} {
		w := New(n)
		if len(w.Services) != n {
			t.Fatalf("N=%d: %d services", n, len(w.Services))
		}
		if want := max(n/PerNamespace, 1); len(w.Namespaces) != want {
			t.Errorf("N=%d: %d namespaces, want %d", n, len(w.Namespaces), want)
		}
		per := map[string]int{}
		for _, s := range w.Services {
			per[s.Namespace]++
		}
		for ns, c := range per {
			if n >= PerNamespace && (c < PerNamespace || c >= 2*PerNamespace) {
				t.Errorf("N=%d: namespace %s holds %d services", n, ns, c)
			}
		}
		for i, s := range w.Services {
			seen := map[int]bool{}
			local := 0
			for k, j := range s.Calls {
				if j == i || seen[j] {
					t.Fatalf("N=%d: service %d calls itself or %d twice", n, i, j)
				}
				seen[j] = true
				if k < Local && w.Services[j].Namespace != s.Namespace {
					t.Errorf("N=%d: local call %d of service %d leaves the namespace", n, k, i)
				}
				if w.Services[j].Namespace == s.Namespace {
					local++
				}
			}
			// Tiny workloads get fewer calls; from 6 services in namespaces of 4 or more,
			// every service gets all 5.
			if n >= 50 && (len(s.Calls) != Calls || local < Local) {
				t.Errorf("N=%d: service %d has %d calls, %d local", n, i, len(s.Calls), local)
			}
		}
	}
}

// The same N gives the same bytes, in every format; different N differ.
func TestDeterministic(t *testing.T) {
	sum := func(n int, write func(*Workload, *bytes.Buffer) error) string {
		var b bytes.Buffer
		if err := write(New(n), &b); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b.Bytes()))
	}
	formats := map[string]func(*Workload, *bytes.Buffer) error{
		"netc": func(w *Workload, b *bytes.Buffer) error { return w.WriteNetc(b) },
		"helm": func(w *Workload, b *bytes.Buffer) error { return w.WriteHelmValues(b) },
		"cue":  func(w *Workload, b *bytes.Buffer) error { return w.WriteCUE(b) },
	}
	for name, f := range formats {
		if sum(1000, f) != sum(1000, f) {
			t.Errorf("%s: two runs differ", name)
		}
		if sum(1000, f) == sum(1001, f) {
			t.Errorf("%s: N=1000 and N=1001 give the same output", name)
		}
	}
}

// Flows lists every call once on each side.
func TestFlows(t *testing.T) {
	w := New(500)
	in, out := w.Flows()
	nin, nout := 0, 0
	for i := range w.Services {
		nin += len(in[i])
		nout += len(out[i])
		for k := 1; k < len(out[i]); k++ {
			if less(out[i][k], out[i][k-1]) {
				t.Fatalf("egress of %d not sorted", i)
			}
		}
	}
	if nin != w.Intents() || nout != w.Intents() {
		t.Errorf("%d ingress and %d egress entries for %d intents", nin, nout, w.Intents())
	}
}
