package engine

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// ChangeKind is what happened to a pair's connections between two maps.
type ChangeKind string

const (
	Opened  ChangeKind = "added"   // nothing was allowed before
	Closed  ChangeKind = "removed" // nothing is allowed now
	Changed ChangeKind = "changed" // allowed before and after, not the same
)

// Change is one pair whose connections differ between two maps. Src and Dst are
// endpoint names (NS/NAME[KIND], an address range lo-hi, {ingress-controller}).
type Change struct {
	Kind     ChangeKind
	Src, Dst string
	Old, New Conn
	// SrcGone and DstGone: the workload exists on one side only (it was added for an
	// opened path, removed for a closed one). Addresses and the ingress controller are
	// never gone.
	SrcGone, DstGone bool
	// Ingress is true when the source is the ingress controller.
	Ingress bool
}

// Added is what New allows and Old does not; Removed the reverse.
func (c Change) Added() Conn   { return c.New.Subtract(c.Old) }
func (c Change) Removed() Conn { return c.Old.Subtract(c.New) }

// Diff compares two connectivity maps pair by pair. Workload pairs are matched by
// name. Address ranges are matched as netpol-analyzer's diff does: both maps' ranges
// are cut into common parts, each part compared, and touching parts with the same
// change on the same workload merged back into one range; so a range that only moved
// its boundaries is no change. The result is sorted as netpol-analyzer's diff lists
// it: by kind (changed, added, removed), the ingress controller's pairs after all
// others (by kind again), then by name.
func Diff(old, new *Map) []Change {
	type pair struct{ src, dst string }
	type sides struct {
		old, new       *Conn
		oldSet, newSet bool
	}
	wls := func(m *Map) map[string]bool {
		s := make(map[string]bool, len(m.Workloads))
		for _, w := range m.Workloads {
			s[w.String()] = true
		}
		return s
	}
	oldW, newW := wls(old), wls(new)

	pairs := map[pair]*sides{}
	// Address ranges, per workload and direction: the ranges of each side.
	type ipKey struct {
		wl     string
		fromIP bool // the address is the source
	}
	ips := map[ipKey][]ipEntry{}
	var order []pair
	var ipOrder []ipKey
	add := func(m *Map, isOld bool) {
		for i := range m.Connections {
			x := &m.Connections[i]
			switch {
			case x.Src.Workload == nil:
				k := ipKey{x.Dst.String(), true}
				if _, ok := ips[k]; !ok {
					ipOrder = append(ipOrder, k)
				}
				ips[k] = append(ips[k], ipEntry{x.Src.IPs, isOld, x.Conn})
			case x.Dst.Workload == nil:
				k := ipKey{x.Src.String(), false}
				if _, ok := ips[k]; !ok {
					ipOrder = append(ipOrder, k)
				}
				ips[k] = append(ips[k], ipEntry{x.Dst.IPs, isOld, x.Conn})
			default:
				k := pair{x.Src.String(), x.Dst.String()}
				s := pairs[k]
				if s == nil {
					s = &sides{}
					pairs[k] = s
					order = append(order, k)
				}
				if isOld {
					s.old, s.oldSet = &x.Conn, true
				} else {
					s.new, s.newSet = &x.Conn, true
				}
			}
		}
	}
	add(old, true)
	add(new, false)

	var res []Change
	emit := func(src, dst string, o, n *Conn) {
		var ch Change
		ch.Src, ch.Dst = src, dst
		ch.Ingress = src == IngressControllerName
		switch {
		case o != nil && n != nil:
			if o.Equal(*n) {
				return
			}
			ch.Kind, ch.Old, ch.New = Changed, *o, *n
		case o != nil:
			ch.Kind, ch.Old = Closed, *o
			ch.SrcGone, ch.DstGone = oldW[src] && !newW[src], oldW[dst] && !newW[dst]
		case n != nil:
			ch.Kind, ch.New = Opened, *n
			ch.SrcGone, ch.DstGone = newW[src] && !oldW[src], newW[dst] && !oldW[dst]
		default:
			return
		}
		res = append(res, ch)
	}
	for _, k := range order {
		s := pairs[k]
		emit(k.src, k.dst, s.old, s.new)
	}
	for _, k := range ipOrder {
		for _, seg := range refine(ips[k]) {
			name := Endpoint{IPs: IPSet{{seg.lo, seg.hi}}}.String()
			if k.fromIP {
				emit(name, k.wl, seg.old, seg.new)
			} else {
				emit(k.wl, name, seg.old, seg.new)
			}
		}
	}
	rank := map[ChangeKind]int{Changed: 0, Opened: 1, Closed: 2}
	slices.SortFunc(res, func(a, b Change) int {
		return cmp.Or(compareBool(a.Ingress, b.Ingress), cmp.Compare(rank[a.Kind], rank[b.Kind]),
			strings.Compare(a.Src, b.Src), strings.Compare(a.Dst, b.Dst))
	})
	return res
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// ipEntry is an address range of one side and what it allows.
type ipEntry struct {
	ips IPSet
	old bool
	c   Conn
}

// segment is a maximal address range over which both sides allow the same thing.
type segment struct {
	lo, hi   netip.Addr
	old, new *Conn
}

// refine cuts the address ranges of both sides at every boundary, pairs what each
// side allows on each piece, and merges touching pieces that pair the same
// connections. The ranges of one side do not overlap (the map lists each address
// range once per workload).
func refine(entries []ipEntry) []segment {
	type edge struct {
		at    netip.Addr
		start bool
		old   bool
		c     *Conn
	}
	var edges []edge
	for i := range entries {
		e := &entries[i]
		for _, r := range e.ips {
			edges = append(edges, edge{r.Lo, true, e.old, &e.c})
			if n := r.Hi.Next(); n.IsValid() && n.BitLen() == r.Hi.BitLen() {
				edges = append(edges, edge{n, false, e.old, &e.c})
			}
		}
	}
	slices.SortStableFunc(edges, func(a, b edge) int {
		// At one address, ends come before starts.
		return cmp.Or(a.at.Compare(b.at), compareBool(a.start, b.start))
	})
	var res []segment
	var curOld, curNew *Conn
	for i := 0; i < len(edges); {
		at := edges[i].at
		if i > 0 && edges[i-1].at.BitLen() != at.BitLen() {
			curOld, curNew = nil, nil // a range that ran to the end of IPv4
		}
		for ; i < len(edges) && edges[i].at == at; i++ {
			e := edges[i]
			switch {
			case e.start && e.old:
				curOld = e.c
			case e.start:
				curNew = e.c
			case e.old && curOld == e.c:
				curOld = nil
			case !e.old && curNew == e.c:
				curNew = nil
			}
		}
		// The piece from at to the next boundary (or the family's end).
		var hi netip.Addr
		if i < len(edges) && edges[i].at.BitLen() == at.BitLen() {
			hi = edges[i].at.Prev()
		} else {
			hi = lastAddr(at)
		}
		if curOld == nil && curNew == nil {
			continue
		}
		if n := len(res); n > 0 && adjacent(res[n-1].hi, at) && sameConn(res[n-1].old, curOld) && sameConn(res[n-1].new, curNew) {
			res[n-1].hi = hi
			continue
		}
		res = append(res, segment{at, hi, curOld, curNew})
	}
	return res
}

func sameConn(a, b *Conn) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func lastAddr(a netip.Addr) netip.Addr {
	if a.Is4() {
		return ipv4All[0].Hi
	}
	return ipv6All[0].Hi
}
