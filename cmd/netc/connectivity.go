package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

func newConnectivity(e env) *cobra.Command {
	format := formatFlag{value: "txt", allowed: engine.Formats}
	var manifests bool
	var configFile string
	var maxDiags int
	c := &cobra.Command{
		Use:   "connectivity [FILES|DIRS|-] [--manifests] [--format FORMAT]",
		Short: "print which workloads may connect to which, and on what ports",
		Long: `Connectivity prints the connectivity map: every pair of workloads, and every
workload and address range, with the connections allowed from one to the other.

By default the inputs are intents (like netc build): the program is compiled and the
NetworkPolicies netc would write are analysed, with one workload per service
([service]), in-cluster database ([database]) and the cluster DNS ([dns]).

With --manifests the inputs are Kubernetes YAML or JSON: files, directories (every
.yaml, .yml and .json file below them) or - for standard input. Namespaces,
workloads (Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
ReplicationController) and NetworkPolicies are read; other kinds are skipped.

--format txt (the default) is netpol-analyzer's list form, one line per pair:
"SRC => DST : CONNECTIONS". csv and md are the same rows as a table, json adds the
ports by protocol, dot and mermaid draw the graph with namespaces as clusters.

Exit status: 0 the map is printed; 1 the input has errors (nothing is printed);
2 usage or I/O failure.`,
		RunE: func(c *cobra.Command, args []string) error {
			if slices.Contains(args, stdinArg) && strings.Count(strings.Join(args, "\x00")+"\x00", stdinArg+"\x00") > 1 {
				return usagef(c, "standard input (-) can be read only once")
			}
			var cl *engine.Cluster
			var diags diag.List
			if manifests {
				if len(args) == 0 {
					return usagef(c, "--manifests needs the files or directories to read")
				}
				var err error
				if cl, diags, err = engine.Load(args, e.stdin); err != nil {
					return err
				}
			} else {
				var err error
				if cl, diags, err = clusterFromIntents(e, args, configFile); err != nil {
					return err
				}
			}
			shown := slices.DeleteFunc(slices.Clone(diags), func(d diag.Diagnostic) bool { return d.Severity == diag.Info })
			if err := diag.WriteText(e.stderr, shown, maxDiags); err != nil {
				return err
			}
			if diags.HasErrors() {
				return exitStatus(exitProgram)
			}
			return engine.Write(e.stdout, cl.Map(), format.value)
		},
	}
	c.Flags().BoolVar(&manifests, "manifests", false, "read Kubernetes manifests instead of intents")
	c.Flags().Var(&format, "format", "print the map as `FORMAT`: "+orList(engine.Formats))
	c.Flags().StringVar(&configFile, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs (intents only)")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// clusterFromIntents compiles the intents as build does (configuration, sources,
// compiler) and returns the cluster their NetworkPolicies make. The backends run
// inside engine.FromProgram, on the typed objects.
func clusterFromIntents(e env, args []string, configFile string) (*engine.Cluster, diag.List, error) {
	ins, err := collectInputs(args, defaultStdinName)
	if err != nil {
		return nil, nil, err
	}
	cfg, diags, err := loadConfig(configFile, args, defaultStdinName)
	if err != nil || diags.HasErrors() {
		return engine.NewCluster(), diags, err
	}
	srcs, d, err := readSources(ins, e.stdin)
	if err != nil {
		return nil, nil, err
	}
	diags = append(diags, d...)
	if diags.HasErrors() {
		return engine.NewCluster(), diags, nil
	}
	prog, d := compiler.Compile(srcs, compiler.Options{Config: cfg})
	diags = append(diags, d...)
	if prog == nil || diags.HasErrors() {
		diags.Sort()
		return engine.NewCluster(), diags, nil
	}
	cl, d := engine.FromProgram(prog)
	diags = append(diags, d...)
	diags.Sort()
	return cl, diags, nil
}
