// Package config reads netc.hcl, the optional project configuration: cluster DNS
// settings, rule severities, output options and per-database SQL settings (sql.go). Bad configuration gets positioned
// diagnostics exactly like bad intents.
package config

import (
	"net/netip"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/kube"
)

// FileName is the configuration file netc looks for beside its inputs.
const FileName = "netc.hcl"

// Config is a parsed netc.hcl. The zero value is not meaningful; use Default.
type Config struct {
	// File is the path it was read from; empty for the defaults.
	File    string
	DNS     DNS
	Rules   []RuleSetting
	Output  Output
	Cluster Cluster
	// Databases are the `database "NS/NAME"` blocks, in file order (config/sql.go).
	Databases []SQLDatabase
}

// DNS configures the egress every locked-down pod gets to the cluster DNS.
type DNS struct {
	Enabled   bool
	Namespace string            // default kube-system
	Labels    map[string]string // default k8s-app=kube-dns
	Port      int32             // default 53 (OpenShift: 5353)
	Span      diag.Span
}

// Cluster is the cluster's own networks: every ipBlock netc writes for world, an
// external or a database outside the cluster leaves them out. Zero when netc.hcl has
// no cluster block.
type Cluster struct {
	PodCIDRs, ServiceCIDRs []CIDR // in file order
	Span                   diag.Span
}

// CIDR is one network of the cluster block, where it is written.
type CIDR struct {
	Prefix netip.Prefix
	Span   diag.Span
}

// RuleSetting overrides one rule's severity. The compiler checks ID against its rule
// table, so an unknown id is reported at Span.
type RuleSetting struct {
	ID       string
	Severity diag.Severity
	Span     diag.Span
}

// Output configures what `netc build` writes.
type Output struct {
	Dir        string // default "out"
	Kubernetes bool   // default true
	SQL        bool   // default true
}

// Default is the configuration used when there is no netc.hcl.
func Default() *Config {
	return &Config{
		DNS: DNS{
			Enabled:   true,
			Namespace: kube.DefaultDNSNamespace,
			Labels:    map[string]string{kube.DefaultDNSLabelKey: kube.DefaultDNSLabel},
			Port:      kube.DefaultDNSPort,
		},
		Output: Output{Dir: "out", Kubernetes: true, SQL: true},
	}
}
