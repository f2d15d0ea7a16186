package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/importer"
	"github.com/netc-dev/netc/internal/outdir"
	"github.com/netc-dev/netc/live/kubestate"
)

func newImport(e env) *cobra.Command {
	var out, namesFile string
	var manifests, allowPartial bool
	var live kubestate.Connection
	var fromCluster bool
	var maxDiags int
	c := &cobra.Command{
		Use:   "import (--manifests PATH... | --cluster [--kubeconfig FILE] [--context NAME]) -o DIR [--names FILE] [--allow-partial]",
		Short: "write the intents program that says what a cluster's policies and RBAC do",
		Long: `Import reads Kubernetes manifests (files, directories: every .yaml, .yml and .json
file below them, or - for standard input): NetworkPolicies, workloads, Namespaces,
Roles, ClusterRoles and their bindings; with --cluster, the same kinds from the
cluster of the kubeconfig (found as kubectl finds it: --kubeconfig, $KUBECONFIG,
~/.kube/config; its current context or --context), with list calls only. It writes, in DIR, an intents program with
the same effect: one NS.net file per namespace (a service per workload, selected by
its labels, with its named ports; the intents grouped by source), _externals.net
(the address sets the policies name), _access.net (the grants), netc.hcl and
import-report.json.

What intents cannot say exactly (a namespace-wide selector, matchExpressions, a
policy that selects no workload, a wildcard Role, ...) is never widened or dropped
in silence: it is a comment where it belongs, a warning on standard error, and an
entry in import-report.json. The program is built and analysed on the original
workloads, and every pair whose connections differ is reported too.

--names FILE names address sets: one "CIDR NAME" per line ("#" comments); an external
that is exactly a listed CIDR takes its name, else it is named after its CIDRs
(net-10-0-0-0-8).

DIR is written like netc build's output: files netc import wrote before are
replaced, files it did not write are never touched (one in the way is an error).

Exit status: 0 the import is exact; 1 the input has errors (nothing is written), or
the import is partial (written, with the report) and --allow-partial is not given;
2 usage or I/O failure.`,
		RunE: func(c *cobra.Command, args []string) error {
			switch {
			case manifests == fromCluster:
				return usagef(c, "netc import needs one of --manifests PATH... and --cluster")
			case manifests && len(args) == 0:
				return usagef(c, "netc import --manifests needs at least one PATH")
			case fromCluster && len(args) > 0:
				return usagef(c, "netc import --cluster reads no PATH (found %s)", args[0])
			case !fromCluster && (live.Kubeconfig != "" || live.Context != ""):
				return usagef(c, "--kubeconfig and --context go with --cluster")
			}
			if out == "" {
				return usagef(c, "netc import needs -o DIR")
			}
			var names map[netip.Prefix]string
			if namesFile != "" {
				data, err := os.ReadFile(namesFile)
				if err != nil {
					return fmt.Errorf("--names: %v", err)
				}
				if names, err = importer.ParseNames(namesFile, data); err != nil {
					return usagef(c, "--names: %v", err)
				}
			}
			var srcs []engine.Source
			var diags diag.List
			var err error
			if fromCluster {
				ctx := c.Context()
				if ctx == nil {
					ctx = context.Background()
				}
				srcs, err = clusterSources(ctx, live)
			} else {
				srcs, diags, err = engine.ReadSources(args, e.stdin)
			}
			if err != nil {
				return err
			}
			var res *importer.Result
			if !diags.HasErrors() {
				var more diag.List
				res, more, err = importer.Import(srcs, importer.Options{Names: names})
				if err != nil {
					return err
				}
				diags = append(diags, more...)
			}
			if diags.HasErrors() {
				if err := diag.WriteText(e.stderr, diags, maxDiags); err != nil {
					return err
				}
				return exitStatus(exitProgram)
			}
			all := append(diags, res.Report.Diagnostics()...)
			if err := diag.WriteText(e.stderr, all, maxDiags); err != nil {
				return err
			}
			if err := outdir.Write(out, res.Files); err != nil {
				return err
			}
			r := res.Report
			report := filepath.Join(out, importer.ReportFile)
			if !r.Partial() {
				fmt.Fprintf(e.stderr, "netc import: the program in %s is exact; report in %s\n", out, report)
				return nil
			}
			fmt.Fprintf(e.stderr, "netc import: the program in %s is partial: %d findings, %d connections not reproduced, %d RBAC rules or subjects not imported; report in %s\n",
				out, len(r.Findings), len(r.Connections), len(r.Dropped), report)
			if allowPartial {
				return nil
			}
			return exitStatus(exitProgram)
		},
	}
	c.Flags().BoolVar(&manifests, "manifests", false, "read Kubernetes manifests from the PATHs")
	c.Flags().BoolVar(&fromCluster, "cluster", false, "read the objects from the live cluster (list calls only)")
	c.Flags().StringVar(&live.Kubeconfig, "kubeconfig", "", "with --cluster, the kubeconfig `FILE` (default: $KUBECONFIG, else ~/.kube/config)")
	c.Flags().StringVar(&live.Context, "context", "", "with --cluster, the kubeconfig context `NAME` (default: its current context)")
	c.Flags().StringVarP(&out, "output", "o", "", "write the program and the report to `DIR`")
	c.Flags().StringVar(&namesFile, "names", "", "name address sets from `FILE` (lines of CIDR NAME)")
	c.Flags().BoolVar(&allowPartial, "allow-partial", false, "exit 0 when the import is partial")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// clusterSources lists, read-only, what netc import reads from the cluster of the
// kubeconfig, one source per kind named cluster:CONTEXT/KIND.
func clusterSources(ctx context.Context, live kubestate.Connection) ([]engine.Source, error) {
	cfg, err := live.Config()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "netc-import"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	name := live.Context
	if name == "" {
		name = "current-context"
	}
	return importer.ListSources(ctx, cs, "cluster:"+name)
}
