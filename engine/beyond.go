package engine

import (
	"cmp"
	"slices"
	"strings"
)

// Beyond lists what m allows that base does not: for each pair, the connections of m
// less those of base. The two maps are of the same workloads (clusters that differ
// only in their policies); their address ranges may be cut differently, so a range of
// m is split where base's ranges are, and each part keeps what base does not allow it.
// The result is sorted by source, then destination name.
func Beyond(m, base *Map) []Connection {
	type pair struct{ src, dst string }
	pairs := map[pair]Conn{}
	// The ranges of base, by the workload at their other end: sources towards a
	// workload, and destinations from one.
	from, to := map[string][]Connection{}, map[string][]Connection{}
	for _, x := range base.Connections {
		switch {
		case x.Src.Workload != nil && x.Dst.Workload != nil:
			pairs[pair{x.Src.String(), x.Dst.String()}] = x.Conn
		case x.Src.Workload != nil:
			to[x.Src.String()] = append(to[x.Src.String()], x)
		case x.Dst.Workload != nil:
			from[x.Dst.String()] = append(from[x.Dst.String()], x)
		}
	}
	var out []Connection
	for _, x := range m.Connections {
		switch {
		case x.Src.Workload != nil && x.Dst.Workload != nil:
			if extra := x.Conn.Subtract(pairs[pair{x.Src.String(), x.Dst.String()}]); !extra.IsEmpty() {
				out = append(out, Connection{x.Src, x.Dst, extra})
			}
		case x.Src.Workload != nil:
			for _, part := range splitBeyond(x.Dst.IPs, x.Conn, to[x.Src.String()], func(c Connection) IPSet { return c.Dst.IPs }) {
				out = append(out, Connection{x.Src, Endpoint{IPs: part.ips}, part.conn})
			}
		case x.Dst.Workload != nil:
			for _, part := range splitBeyond(x.Src.IPs, x.Conn, from[x.Dst.String()], func(c Connection) IPSet { return c.Src.IPs }) {
				out = append(out, Connection{Endpoint{IPs: part.ips}, x.Dst, part.conn})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Connection) int {
		return cmp.Or(strings.Compare(a.Src.String(), b.Src.String()), strings.Compare(a.Dst.String(), b.Dst.String()))
	})
	return out
}

type ipsConn struct {
	ips  IPSet
	conn Conn
}

// splitBeyond is what conn allows to the addresses ips beyond the base connections of
// the same workload (ips of each picked by end): per part of ips, conn less the base's,
// parts with the same connections merged.
func splitBeyond(ips IPSet, conn Conn, base []Connection, end func(Connection) IPSet) []ipsConn {
	var parts []ipsConn
	add := func(s IPSet, c Conn) {
		if len(s) == 0 || c.IsEmpty() {
			return
		}
		for i := range parts {
			if parts[i].conn.Equal(c) {
				parts[i].ips = parts[i].ips.union(s)
				return
			}
		}
		parts = append(parts, ipsConn{s, c})
	}
	rest := ips
	for _, b := range base {
		bs := end(b)
		if ov := rest.intersect(bs); len(ov) > 0 {
			add(ov, conn.Subtract(b.Conn))
			rest = rest.subtract(bs)
		}
	}
	add(rest, conn)
	slices.SortFunc(parts, func(a, b ipsConn) int { return a.ips[0].Lo.Compare(b.ips[0].Lo) })
	return parts
}
