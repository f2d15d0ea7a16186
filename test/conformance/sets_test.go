package conformance

import (
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// This file holds the small set types the comparison works in: port sets per protocol,
// and IPv4 address ranges (what the analyzer models).

// protocols in the order port sets print them.
var protocols = []string{"TCP", "UDP", "SCTP"}

func protoIndex(p string) int {
	switch strings.ToUpper(p) {
	case "", "TCP":
		return 0
	case "UDP":
		return 1
	case "SCTP":
		return 2
	}
	return -1
}

// span is an inclusive range of ports.
type span struct{ lo, hi int64 }

// portSet is a set of (protocol, port) pairs, ports 1..65535.
type portSet [3][]span

func allPorts() portSet {
	var s portSet
	for i := range s {
		s[i] = []span{{1, 65535}}
	}
	return s
}

// add inserts ports lo..hi of protocol proto (an index into protocols).
func (s *portSet) add(proto int, lo, hi int64) {
	lo, hi = max(lo, 1), min(hi, 65535)
	if lo > hi {
		return
	}
	spans := append(s[proto], span{lo, hi})
	slices.SortFunc(spans, func(a, b span) int { return int(a.lo - b.lo) })
	merged := spans[:0]
	for _, x := range spans {
		if n := len(merged); n > 0 && x.lo <= merged[n-1].hi+1 {
			merged[n-1].hi = max(merged[n-1].hi, x.hi)
			continue
		}
		merged = append(merged, x)
	}
	s[proto] = merged
}

func (s portSet) union(o portSet) portSet {
	var r portSet
	for p := range s {
		r[p] = slices.Clone(s[p])
		for _, x := range o[p] {
			r.add(p, x.lo, x.hi)
		}
	}
	return r
}

func (s portSet) intersect(o portSet) portSet {
	var r portSet
	for p := range s {
		for _, a := range s[p] {
			for _, b := range o[p] {
				if lo, hi := max(a.lo, b.lo), min(a.hi, b.hi); lo <= hi {
					r[p] = append(r[p], span{lo, hi})
				}
			}
		}
	}
	return r
}

func (s portSet) minus(o portSet) portSet {
	var r portSet
	for p := range s {
		for _, a := range s[p] {
			cur := []span{a}
			for _, b := range o[p] {
				var next []span
				for _, c := range cur {
					if b.hi < c.lo || b.lo > c.hi {
						next = append(next, c)
						continue
					}
					if c.lo < b.lo {
						next = append(next, span{c.lo, b.lo - 1})
					}
					if b.hi < c.hi {
						next = append(next, span{b.hi + 1, c.hi})
					}
				}
				cur = next
			}
			r[p] = append(r[p], cur...)
		}
	}
	return r
}

func (s portSet) empty() bool { return len(s[0])+len(s[1])+len(s[2]) == 0 }

func (s portSet) equal(o portSet) bool {
	for p := range s {
		if !slices.Equal(s[p], o[p]) {
			return false
		}
	}
	return true
}

// String prints "all", or e.g. "TCP 80,8000-8080 UDP 53".
func (s portSet) String() string {
	if s.equal(allPorts()) {
		return "all"
	}
	var parts []string
	for p, spans := range s {
		if len(spans) == 0 {
			continue
		}
		var ports []string
		for _, x := range spans {
			if x.lo == x.hi {
				ports = append(ports, strconv.FormatInt(x.lo, 10))
			} else {
				ports = append(ports, fmt.Sprintf("%d-%d", x.lo, x.hi))
			}
		}
		parts = append(parts, protocols[p]+" "+strings.Join(ports, ","))
	}
	return strings.Join(parts, " ")
}

// ipSpan is a half-open range [lo, hi) of the IPv4 space as the analyzer sees it.
type ipSpan struct{ lo, hi uint64 }

const ipv4End = uint64(1) << 32

func (r ipSpan) contains(o ipSpan) bool { return r.lo <= o.lo && o.hi <= r.hi }

// ipv4Span is the range of an IPv4 prefix.
func ipv4Span(p netip.Prefix) ipSpan {
	a := p.Masked().Addr().As4()
	lo := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
	return ipSpan{lo, lo + uint64(1)<<(32-p.Bits())}
}

func ipv4String(n uint64) string {
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String()
}

// spanCIDRs splits a range into the fewest CIDRs covering exactly it.
func spanCIDRs(r ipSpan) []netip.Prefix {
	var res []netip.Prefix
	for lo := r.lo; lo < r.hi; {
		bits := 32
		for bits > 0 {
			size := uint64(1) << (32 - (bits - 1))
			if lo%size != 0 || lo+size > r.hi {
				break
			}
			bits--
		}
		a := netip.MustParseAddr(ipv4String(lo))
		res = append(res, netip.PrefixFrom(a, bits))
		lo += uint64(1) << (32 - bits)
	}
	return res
}

// parseAnalyzerIPs reads the analyzer's rendering of an IP peer:
// comma-separated "A.B.C.D-E.F.G.H" ranges (or single addresses).
func parseAnalyzerIPs(s string) ([]ipSpan, error) {
	var res []ipSpan
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			to = from
		}
		a, err := netip.ParseAddr(from)
		if err != nil {
			return nil, fmt.Errorf("analyzer IP peer %q: %v", s, err)
		}
		b, err := netip.ParseAddr(to)
		if err != nil || !a.Is4() || !b.Is4() {
			return nil, fmt.Errorf("analyzer IP peer %q: not an IPv4 range", s)
		}
		res = append(res, ipSpan{ipv4Span(netip.PrefixFrom(a, 32)).lo, ipv4Span(netip.PrefixFrom(b, 32)).hi})
	}
	return res, nil
}

// elementary cuts [0, 2^32) at every boundary of spans: the coarsest partition in which
// every given span is a union of parts.
func elementary(spans []ipSpan) []ipSpan {
	cuts := []uint64{0, ipv4End}
	for _, s := range spans {
		cuts = append(cuts, s.lo, s.hi)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	res := make([]ipSpan, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		res = append(res, ipSpan{cuts[i], cuts[i+1]})
	}
	return res
}

// family is one address family as handed to the IPv4-only analyzer.
//
// netpol-analyzer models IPv4 only: it misreads IPv6 ipBlocks. netc emits both families
// (world is 0.0.0.0/0 and ::/0), so each build is analysed twice: once with only the
// IPv4 ipBlocks, and once with only the IPv6 ones, projected order-preservingly onto the
// IPv4 space (see newIPv6Family). The policies themselves are never changed; the test
// rewrites a copy for the analyzer.
type family struct {
	Name string
	// Spans maps a prefix to the analyzer's address ranges; ok is false when the prefix
	// belongs to the other family.
	Spans func(p netip.Prefix) (s []ipSpan, ok bool)
	// Render prints an analyzer range in this family's own addresses.
	Render func(r ipSpan) string
}

var ipv4Family = family{
	Name: "IPv4",
	Spans: func(p netip.Prefix) ([]ipSpan, bool) {
		if !p.Addr().Is4() {
			return nil, false
		}
		return []ipSpan{ipv4Span(p)}, true
	},
	Render: func(r ipSpan) string {
		if c := spanCIDRs(r); len(c) == 1 {
			return c[0].String()
		}
		return ipv4String(r.lo) + "-" + ipv4String(r.hi-1)
	},
}

// projBlock is the size of the IPv4 block each elementary IPv6 interval maps to.
const projBlock = uint64(1) << 16

// newIPv6Family projects the IPv6 prefixes the test will see onto the IPv4 space. The
// boundaries of all those prefixes cut the IPv6 space into n elementary intervals; the
// i-th maps to IPv4 [i*2^16, (i+1)*2^16) (the last one up to 2^32), so every prefix maps
// to a range that is exact, order and containment are preserved, and ::/0 maps to
// 0.0.0.0/0. A range that is not one CIDR becomes several ipBlocks in the analyzer's copy.
func newIPv6Family(prefixes []netip.Prefix) (family, error) {
	top := new(big.Int).Lsh(big.NewInt(1), 128)
	bounds := []*big.Int{big.NewInt(0), top}
	for _, p := range prefixes {
		if !p.Addr().Is6() {
			continue
		}
		lo, hi := v6Range(p)
		bounds = append(bounds, lo, hi)
	}
	slices.SortFunc(bounds, (*big.Int).Cmp)
	bounds = slices.CompactFunc(bounds, func(a, b *big.Int) bool { return a.Cmp(b) == 0 })
	n := len(bounds) - 1
	if uint64(n) > ipv4End/projBlock {
		return family{}, fmt.Errorf("too many IPv6 prefixes to project (%d intervals)", n)
	}
	index := func(x *big.Int) uint64 {
		i, _ := slices.BinarySearchFunc(bounds, x, (*big.Int).Cmp)
		return uint64(i)
	}
	toV4 := func(i uint64) uint64 {
		if i >= uint64(n) {
			return ipv4End
		}
		return i * projBlock
	}
	return family{
		Name: "IPv6 (projected onto IPv4 for the analyzer)",
		Spans: func(p netip.Prefix) ([]ipSpan, bool) {
			if !p.Addr().Is6() {
				return nil, false
			}
			lo, hi := v6Range(p)
			return []ipSpan{{toV4(index(lo)), toV4(index(hi))}}, true
		},
		Render: func(r ipSpan) string {
			i := min(r.lo/projBlock, uint64(n-1))
			j := min((r.hi+projBlock-1)/projBlock, uint64(n))
			if r.hi == ipv4End {
				j = uint64(n)
			}
			return v6RangeString(bounds[i], bounds[j])
		},
	}, nil
}

func v6Range(p netip.Prefix) (lo, hi *big.Int) {
	a := p.Masked().Addr().As16()
	lo = new(big.Int).SetBytes(a[:])
	hi = new(big.Int).Add(lo, new(big.Int).Lsh(big.NewInt(1), uint(128-p.Bits())))
	return lo, hi
}

func v6Addr(x *big.Int) netip.Addr {
	var b [16]byte
	x.FillBytes(b[:])
	return netip.AddrFrom16(b)
}

// v6RangeString prints [lo, hi) as a CIDR when it is one, else "first-last".
func v6RangeString(lo, hi *big.Int) string {
	size := new(big.Int).Sub(hi, lo)
	if size.Sign() > 0 && size.BitLen()-1 == int(size.TrailingZeroBits()) {
		bits := 128 - int(size.TrailingZeroBits())
		if new(big.Int).Mod(lo, size).Sign() == 0 {
			return netip.PrefixFrom(v6Addr(lo), bits).String()
		}
	}
	last := new(big.Int).Sub(hi, big.NewInt(1))
	return v6Addr(lo).String() + "-" + v6Addr(last).String()
}
