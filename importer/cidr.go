package importer

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
)

// lastAddr is the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// rangePrefixes is the shortest list of prefixes that covers lo..hi exactly.
func rangePrefixes(lo, hi netip.Addr) []netip.Prefix {
	var res []netip.Prefix
	for {
		var p netip.Prefix
		for bits := 0; bits <= lo.BitLen(); bits++ {
			q := netip.PrefixFrom(lo, bits)
			if q.Masked().Addr() == lo && lastAddr(q).Compare(hi) <= 0 {
				p = q
				break
			}
		}
		res = append(res, p)
		end := lastAddr(p)
		if end.Compare(hi) >= 0 {
			return res
		}
		lo = end.Next()
	}
}

// setPrefixes is the prefixes of an address set, in address order.
func setPrefixes(s engine.IPSet) []netip.Prefix {
	var res []netip.Prefix
	for _, r := range s {
		res = append(res, rangePrefixes(r.Lo, r.Hi)...)
	}
	return res
}

// enclosing is the smallest prefix holding every address of s (one family).
func enclosing(s engine.IPSet) netip.Prefix {
	lo, hi := s[0].Lo, s[len(s)-1].Hi
	for bits := lo.BitLen(); bits >= 0; bits-- {
		p := netip.PrefixFrom(lo, bits).Masked()
		if p.Contains(hi) {
			return p
		}
	}
	return netip.PrefixFrom(lo, 0).Masked()
}

// dashed is a prefix spelled for a name: 10.0.0.0/8 is 10-0-0-0-8.
func dashed(p netip.Prefix) string {
	return strings.NewReplacer(".", "-", ":", "-", "/", "-").Replace(p.String())
}

// ParseNames reads a --names file: one `CIDR NAME` a line, `#` comments and blank
// lines ignored. A CIDR must be a network address; a name must be a DNS-1123 label
// (an external's name); each CIDR and each name may appear once.
func ParseNames(file string, data []byte) (map[netip.Prefix]string, error) {
	res := map[netip.Prefix]string{}
	seen := map[string]int{}
	for i, line := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		at := fmt.Sprintf("%s:%d", file, i+1)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s: want `CIDR NAME`, found %d fields", at, len(f))
		}
		p, err := netip.ParsePrefix(f[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a CIDR", at, f[0])
		}
		if p.Masked() != p {
			return nil, fmt.Errorf("%s: %s is not a network address (use %s)", at, p, p.Masked())
		}
		if !kube.IsLabel(f[1]) || f[1] == "world" {
			return nil, fmt.Errorf("%s: %q is not a valid external name (a DNS-1123 label other than world)", at, f[1])
		}
		if _, ok := res[p]; ok {
			return nil, fmt.Errorf("%s: %s is named twice", at, p)
		}
		if l, ok := seen[f[1]]; ok {
			return nil, fmt.Errorf("%s: the name %s is already given on line %d", at, f[1], l)
		}
		res[p], seen[f[1]] = f[1], i+1
	}
	return res, nil
}
