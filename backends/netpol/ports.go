package netpol

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netc-dev/netc/compiler/ir"
)

var protocols = map[ir.Protocol]*corev1.Protocol{}

func init() {
	for _, p := range []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP} {
		protocols[ir.Protocol(p)] = &p
	}
}

func protocol(p ir.Protocol) *corev1.Protocol {
	if v, ok := protocols[p]; ok {
		return v
	}
	v := corev1.Protocol(p)
	return &v
}

func portNumber(p int32) *intstr.IntOrString {
	v := intstr.FromInt32(p)
	return &v
}

// portsKey encodes a port list for hashing.
func portsKey(b []byte, ports []ir.Port) []byte {
	for _, p := range ports {
		b = append(b, p.Protocol...)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(p.Port), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(p.EndPort), 10)
		b = append(b, ',')
	}
	return b
}

func comparePorts(a, b []ir.Port) int {
	return slices.CompareFunc(a, b, func(x, y ir.Port) int {
		if c := strings.Compare(string(x.Protocol), string(y.Protocol)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Port, y.Port); c != 0 {
			return c
		}
		return cmp.Compare(x.EndPort, y.EndPort)
	})
}

// policyPorts is the NetworkPolicy form of a port list: the protocol always explicit,
// endPort for a range, no port number for port 0 (every port of the protocol).
func policyPorts(ports []ir.Port) []networkingv1.NetworkPolicyPort {
	if len(ports) == 0 {
		return nil
	}
	out := make([]networkingv1.NetworkPolicyPort, len(ports))
	for i, p := range ports {
		out[i].Protocol = protocol(p.Protocol)
		if p.Port != 0 {
			out[i].Port = portNumber(p.Port)
		}
		if p.EndPort != 0 && p.EndPort != p.Port {
			end := p.EndPort
			out[i].EndPort = &end
		}
	}
	return out
}
