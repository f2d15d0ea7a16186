package engine

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// What enters the cluster through an Ingress or an OpenShift Route: the ingress
// controller's connections, as netpol-analyzer lists them, from a peer named
// {ingress-controller} (a pod with no labels in namespace ingress-controller-ns) to
// the workloads of the Services they target, on the TCP ports those Services lead
// to, where the workloads' ingress policies allow it.

// IngressControllerName is the peer the ingress controller appears as.
const IngressControllerName = "{ingress-controller}"

const ingressControllerNS = "ingress-controller-ns"

// service is what the engine keeps of a Service: its pods and ports.
type service struct {
	namespace, name string
	selector        labels.Selector
	ports           []corev1.ServicePort
}

// ingressTarget is one Service an Ingress or Route sends to, on one port (a number
// or name of the Service's; none means all of its ports).
type ingressTarget struct {
	namespace, service string
	port               intstr.IntOrString
}

// routeObject is the part of an OpenShift Route the engine reads.
type routeObject struct {
	Metadata struct {
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		To struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"to"`
		AlternateBackends []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"alternateBackends"`
		Port *struct {
			TargetPort intstr.IntOrString `json:"targetPort"`
		} `json:"port"`
	} `json:"spec"`
}

// AddService adds a Service; one without a selector selects no pods and is ignored.
func (c *Cluster) AddService(s *corev1.Service) {
	if s.Spec.Selector == nil {
		return
	}
	c.services = append(c.services, &service{namespace: defaultNS(s.Namespace), name: s.Name,
		selector: labels.SelectorFromSet(s.Spec.Selector), ports: s.Spec.Ports})
}

// AddIngress adds the Services an Ingress sends to: its default backend and the
// backend of every path (backends that are not Services are ignored).
func (c *Cluster) AddIngress(ing *networkingv1.Ingress) {
	ns := defaultNS(ing.Namespace)
	add := func(b *networkingv1.IngressServiceBackend) {
		t := ingressTarget{namespace: ns, service: b.Name}
		if b.Port.Name != "" {
			t.port.StrVal = b.Port.Name
		} else {
			t.port.IntVal = b.Port.Number
		}
		c.ingress = append(c.ingress, t)
	}
	if ing.Spec.DefaultBackend != nil && ing.Spec.DefaultBackend.Service != nil {
		add(ing.Spec.DefaultBackend.Service)
	}
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service != nil {
				add(p.Backend.Service)
			}
		}
	}
}

func (c *Cluster) addRoute(rt *routeObject) {
	ns := defaultNS(rt.Metadata.Namespace)
	var port intstr.IntOrString
	if rt.Spec.Port != nil {
		port = rt.Spec.Port.TargetPort
	}
	if k := rt.Spec.To.Kind; k == "" || k == "Service" {
		c.ingress = append(c.ingress, ingressTarget{ns, rt.Spec.To.Name, port})
	}
	for _, b := range rt.Spec.AlternateBackends {
		if b.Kind == "" || b.Kind == "Service" {
			c.ingress = append(c.ingress, ingressTarget{ns, b.Name, port})
		}
	}
}

// targetPorts are the pod ports a Service leads to for the port asked: the target
// port of the first of its ports the request names (by name, number or target
// port), or of all of them when none is asked.
func targetPorts(ports []corev1.ServicePort, want intstr.IntOrString) []intstr.IntOrString {
	var res []intstr.IntOrString
	all := want.IntVal == 0 && want.StrVal == ""
	for _, sp := range ports {
		to := sp.TargetPort
		if to.IntVal == 0 && to.StrVal == "" {
			to = intstr.IntOrString{IntVal: sp.Port}
		}
		if all {
			res = append(res, to)
			continue
		}
		if sp.Name != "" && sp.Name == want.StrVal || sp.Port == want.IntVal || sp.TargetPort == want {
			return append(res, to)
		}
	}
	return res
}

// ingressConnections are the controller's connections, one per workload reached,
// sorted by workload.
func (c *Cluster) ingressConnections() []Connection {
	if len(c.ingress) == 0 || len(c.services) == 0 {
		return nil
	}
	byName := map[[2]string]*service{}
	for _, s := range c.services {
		byName[[2]string{s.namespace, s.name}] = s
	}
	reach := map[*Workload]Conn{}
	for _, t := range c.ingress {
		s := byName[[2]string{t.namespace, t.service}]
		if s == nil {
			continue
		}
		for _, w := range c.Workloads {
			if w.Namespace != s.namespace || !s.selector.Matches(labels.Set(w.Labels)) {
				continue
			}
			for _, tp := range targetPorts(s.ports, t.port) {
				port := Port(tp.IntValue())
				if tp.StrVal != "" {
					proto, p, ok := w.namedPort(tp.StrVal)
					if !ok || proto != TCP {
						continue
					}
					port = p
				}
				// The port must be one of the pods' container ports.
				exposed := false
				for _, cp := range w.Ports {
					exposed = exposed || Port(cp.ContainerPort) == port
				}
				if exposed {
					reach[w] = reach[w].Union(PortConn(TCP, port, port))
				}
			}
		}
	}
	controller := Endpoint{Workload: &Workload{Namespace: ingressControllerNS, Name: "ingress-controller",
		Kind: "Pod", Labels: map[string]string{}, key: IngressControllerName}}
	var res []Connection
	for _, w := range c.Workloads {
		r, ok := reach[w]
		if !ok {
			continue
		}
		dst := Endpoint{Workload: w}
		if conn := c.Explain(controller, dst).Ingress.Conn.Intersect(r); !conn.IsEmpty() {
			res = append(res, Connection{controller, dst, conn})
		}
	}
	return res
}
