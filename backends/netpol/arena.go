package netpol

import networkingv1 "k8s.io/api/networking/v1"

// pool hands out slices cut from one chunk, so that the objects of a namespace cost a
// few allocations instead of thousands. A full chunk is left to its objects and a new,
// bigger one started; reset makes the current chunk reusable.
type pool[T any] struct{ buf []T }

func (p *pool[T]) take(n int) []T {
	if len(p.buf)+n > cap(p.buf) {
		p.buf = make([]T, 0, max(2*cap(p.buf), n, 16))
	}
	s := p.buf[len(p.buf) : len(p.buf)+n : len(p.buf)+n]
	p.buf = p.buf[:len(p.buf)+n]
	clear(s) // reused memory
	return s
}

func (p *pool[T]) reset() { p.buf = p.buf[:0] }

// arena is the memory of one namespace's objects. Emit resets it once a namespace is
// encoded; Build uses a fresh one per namespace, whose objects it returns.
type arena struct {
	policies   pool[networkingv1.NetworkPolicy]
	policyPtrs pool[*networkingv1.NetworkPolicy]
	ingress    pool[networkingv1.NetworkPolicyIngressRule]
	egress     pool[networkingv1.NetworkPolicyEgressRule]
	peers      pool[networkingv1.NetworkPolicyPeer]
	merger     merger
}

func (a *arena) reset() {
	a.policies.reset()
	a.policyPtrs.reset()
	a.ingress.reset()
	a.egress.reset()
	a.peers.reset()
}

// peerKey orders and de-duplicates the peers of one rule: pods by namespace then
