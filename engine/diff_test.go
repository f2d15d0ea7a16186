package engine

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/netc-dev/netc/diag"
)

// TestDiffClustersMatchesWholeMaps checks the scoped diff against the diff of the two
// whole maps: for every semantics case, the cluster against itself less one document
// (a policy, a workload, a namespace and its labels), both ways round. The scoped diff
// computes only the pairs with a changed end; it must find exactly what the whole maps
// differ in.
func TestDiffClustersMatchesWholeMaps(t *testing.T) {
	paths, err := filepath.Glob("testdata/semantics/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	checked, changes := 0, 0
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var docs [][]byte
		for _, f := range ar.Files {
			if f.Name != "want" {
				docs = append(docs, bytes.Split(f.Data, []byte("\n---\n"))...)
			}
		}
		load := func(skip int) *Cluster {
			c := NewCluster()
			var diags diag.List
			for i, d := range docs {
				if i != skip {
					c.Read(Source{Name: fmt.Sprintf("doc%d.yaml", i), Data: d}, &diags)
				}
			}
			if diags.HasErrors() {
				t.Fatalf("%s: %v", path, diags.Err())
			}
			return c
		}
		for skip := range docs {
			for _, swap := range []bool{false, true} {
				a, b := -1, skip
				if swap {
					a, b = b, a
				}
				want := Diff(load(a).Map(), load(b).Map())
				got := DiffClusters(load(a), load(b))
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s without document %d (swapped %v):\n got %+v\nwant %+v", filepath.Base(path), skip, swap, got, want)
				}
				checked++
				changes += len(want)
			}
		}
	}
	if changes == 0 {
		t.Fatal("no change found in any variant")
	}
	t.Logf("%d variants, %d changes, the scoped diff agrees", checked, changes)
}

// TestDiffAddressRanges pins the address-by-address comparison: ranges cut
// differently but allowing the same are no change; a change inside a range is
// reported for the addresses that changed only, merged where they touch; ranges that
// run to the end of IPv4 and IPv6 do not spill into each other.
func TestDiffAddressRanges(t *testing.T) {
	w := &Workload{Namespace: "ns", Name: "w", Kind: "Pod", key: "ns/w[Pod]"}
	ip := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	r := func(lo, hi string) IPSet { return IPSet{{ip(lo), ip(hi)}} }
	tcp := func(p Port) Conn { return PortConn(TCP, p, p) }
	to := func(ips IPSet, c Conn) Connection {
		return Connection{Src: Endpoint{Workload: w}, Dst: Endpoint{IPs: ips}, Conn: c}
	}
	m := func(cs ...Connection) *Map { return &Map{Connections: cs, Workloads: []*Workload{w}} }
	got := Diff(
		m(to(r("0.0.0.0", "9.255.255.255"), tcp(80)), to(r("10.0.0.0", "255.255.255.255"), tcp(80)),
			to(r("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), tcp(80))),
		m(to(r("0.0.0.0", "4.255.255.255"), tcp(80)), to(r("5.0.0.0", "5.0.0.255"), tcp(443)),
			to(r("5.0.1.0", "255.255.255.255"), tcp(80)), to(r("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), tcp(80))),
	)
	want := []Change{{Kind: Changed, Src: "ns/w[Pod]", Dst: "5.0.0.0-5.0.0.255", Old: tcp(80), New: tcp(443)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// IPv6 only on the new side, from the end of IPv4 on: opened, and IPv4 unchanged.
	got = Diff(m(to(r("0.0.0.0", "255.255.255.255"), tcp(80))),
		m(to(IPSet{{ip("0.0.0.0"), ip("255.255.255.255")}, {ip("::"), ip("::ffff")}}, tcp(80))))
	want = []Change{{Kind: Opened, Src: "ns/w[Pod]", Dst: "::-::ffff", New: tcp(80)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
