package engine

import (
	"net/netip"
	"slices"
)

// point is a value of an ordered, discrete domain: a port number or an IP address.
type point[T any] interface {
	Compare(T) int
	Next() T
	Prev() T
}

// span is the closed interval [Lo, Hi].
type span[T point[T]] struct{ Lo, Hi T }

// set is a canonical interval set: sorted, disjoint and never adjacent, so two sets
// are equal exactly when their slices are.
type set[T point[T]] []span[T]

func single[T point[T]](lo, hi T) set[T] { return set[T]{{lo, hi}} }

// adjacent reports whether b starts right after a ends.
func adjacent[T point[T]](a, b T) bool {
	n := a.Next()
	return n.Compare(b) == 0 && a.Compare(b) < 0
}

func (s set[T]) union(o set[T]) set[T] {
	if len(o) == 0 {
		return s
	}
	if len(s) == 0 {
		return o
	}
	all := make([]span[T], 0, len(s)+len(o))
	all = append(append(all, s...), o...)
	slices.SortFunc(all, func(a, b span[T]) int { return a.Lo.Compare(b.Lo) })
	res := set[T]{all[0]}
	for _, x := range all[1:] {
		last := &res[len(res)-1]
		if x.Lo.Compare(last.Hi) <= 0 || adjacent(last.Hi, x.Lo) {
			if x.Hi.Compare(last.Hi) > 0 {
				last.Hi = x.Hi
			}
			continue
		}
		res = append(res, x)
	}
	return res
}

func (s set[T]) intersect(o set[T]) set[T] {
	var res set[T]
	i, j := 0, 0
	for i < len(s) && j < len(o) {
		lo, hi := s[i].Lo, s[i].Hi
		if o[j].Lo.Compare(lo) > 0 {
			lo = o[j].Lo
		}
		if o[j].Hi.Compare(hi) < 0 {
			hi = o[j].Hi
		}
		if lo.Compare(hi) <= 0 {
			res = append(res, span[T]{lo, hi})
		}
		if s[i].Hi.Compare(o[j].Hi) < 0 {
			i++
		} else {
			j++
		}
	}
	return res
}

func (s set[T]) subtract(o set[T]) set[T] {
	var res set[T]
	j := 0
	for _, x := range s {
		lo := x.Lo
		done := false
		for j < len(o) && o[j].Hi.Compare(lo) < 0 {
			j++
		}
		for k := j; k < len(o) && o[k].Lo.Compare(x.Hi) <= 0; k++ {
			if o[k].Lo.Compare(lo) > 0 {
				res = append(res, span[T]{lo, o[k].Lo.Prev()})
			}
			if o[k].Hi.Compare(x.Hi) >= 0 {
				done = true
				break
			}
			lo = o[k].Hi.Next()
		}
		if !done {
			res = append(res, span[T]{lo, x.Hi})
		}
	}
	return res
}

// subsetOf reports whether every point of s is in o.
func (s set[T]) subsetOf(o set[T]) bool { return len(s.subtract(o)) == 0 }

func (s set[T]) overlaps(o set[T]) bool { return len(s.intersect(o)) > 0 }

// equal reports whether s and o hold the same points.
func (s set[T]) equal(o set[T]) bool {
	return slices.EqualFunc(s, o, func(a, b span[T]) bool { return a.Lo.Compare(b.Lo) == 0 && a.Hi.Compare(b.Hi) == 0 })
}

// Port is a port number as an interval point.
type Port int32

func (p Port) Compare(o Port) int { return int(p) - int(o) }
func (p Port) Next() Port         { return p + 1 }
func (p Port) Prev() Port         { return p - 1 }

// PortSet is a set of port numbers, 1 to 65535.
type PortSet = set[Port]

const (
	minPort Port = 1
	maxPort Port = 65535
)

var allPortSet = PortSet{{minPort, maxPort}}

// IPSet is a set of addresses, as intervals of netip.Addr (IPv4 and IPv6 apart: an IPv4
// address sorts before every IPv6 one and is never adjacent to one).
type IPSet = set[netip.Addr]

var (
	ipv4All = IPSet{{netip.AddrFrom4([4]byte{}), netip.AddrFrom4([4]byte{255, 255, 255, 255})}}
	ipv6All = IPSet{{netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{
		255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})}}
)

// prefixSet is the addresses of a prefix.
func prefixSet(p netip.Prefix) IPSet {
	p = p.Masked()
	lo := p.Addr()
	hi := lo
	bits := hi.BitLen()
	b := hi.AsSlice()
	for i := p.Bits(); i < bits; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	hi, _ = netip.AddrFromSlice(b)
	return IPSet{{lo, hi}}
}
