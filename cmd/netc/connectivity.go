package main

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/ir"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

func newConnectivity(e env) *cobra.Command {
	format := formatFlag{value: "txt", allowed: engine.Formats}
	var in inputFlags
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
ReplicationController), NetworkPolicies, AdminNetworkPolicies, the
BaselineAdminNetworkPolicy, and Services with the Ingresses and Routes that send
to them (the ingress controller is the peer {ingress-controller}) are read; other
kinds are skipped.

--format txt (the default) is netpol-analyzer's list form, one line per pair:
"SRC => DST : CONNECTIONS". csv and md are the same rows as a table, json adds the
ports by protocol, dot and mermaid draw the graph with namespaces as clusters.

Exit status: 0 the map is printed; 1 the input has errors (nothing is printed);
2 usage or I/O failure.`,
		RunE: func(c *cobra.Command, args []string) error {
			cl, _, err := loadCluster(c, e, args, in, nil)
			if err != nil {
				return err
			}
			return engine.Write(e.stdout, cl.Map(), format.value)
		},
	}
	c.Flags().Var(&format, "format", "print the map as `FORMAT`: "+orList(engine.Formats))
	in.register(c)
	return c
}

// inputFlags are the flags of the commands that read intents or manifests.
type inputFlags struct {
	manifests bool
	config    string
	maxDiags  int
}

func (f *inputFlags) register(c *cobra.Command) {
	c.Flags().BoolVar(&f.manifests, "manifests", false, "read Kubernetes manifests instead of intents")
	c.Flags().StringVar(&f.config, "config", "", "read the configuration from `FILE` instead of the netc.hcl beside the inputs (intents only)")
	maxDiagnosticsFlag(c, &f.maxDiags)
}

// loadCluster reads the inputs of connectivity and explain: manifests, or intents
// compiled into the cluster of their NetworkPolicies (prog is then the program). It
// prints the diagnostics (infos left out) and fails with exit 1 when there are errors.
//
// scope, when not nil, limits the NetworkPolicies built from intents to the namespaces
// it accepts for the compiled program (explain needs those of two namespaces).
func loadCluster(c *cobra.Command, e env, args []string, in inputFlags, scope func(*ir.Program) func(string) bool) (*engine.Cluster, *ir.Program, error) {
	stdins := 0
	for _, a := range args {
		if a == stdinArg {
			stdins++
		}
	}
	if stdins > 1 {
		return nil, nil, usagef(c, "standard input (-) can be read only once")
	}
	var cl *engine.Cluster
	var prog *ir.Program
	var diags diag.List
	var err error
	if in.manifests {
		if len(args) == 0 {
			return nil, nil, usagef(c, "--manifests needs the files or directories to read")
		}
		cl, diags, err = engine.Load(args, e.stdin)
	} else {
		cl, prog, diags, err = clusterFromIntents(e, args, in.config, scope)
	}
	if err != nil {
		return nil, nil, err
	}
	shown := slices.DeleteFunc(slices.Clone(diags), func(d diag.Diagnostic) bool { return d.Severity == diag.Info })
	if err := diag.WriteText(e.stderr, shown, in.maxDiags); err != nil {
		return nil, nil, err
	}
	if diags.HasErrors() {
		return nil, nil, exitStatus(exitProgram)
	}
	return cl, prog, nil
}

// clusterFromIntents compiles the intents as build does (configuration, sources,
// compiler) and returns the cluster their NetworkPolicies make. The backends run
// inside engine.FromProgram, on the typed objects.
func clusterFromIntents(e env, args []string, configFile string, scope func(*ir.Program) func(string) bool) (*engine.Cluster, *ir.Program, diag.List, error) {
	ins, err := collectInputs(args, defaultStdinName)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, diags, err := loadConfig(configFile, args, defaultStdinName)
	if err != nil || diags.HasErrors() {
		return engine.NewCluster(), nil, diags, err
	}
	srcs, d, err := readSources(ins, e.stdin)
	if err != nil {
		return nil, nil, nil, err
	}
	diags = append(diags, d...)
	if diags.HasErrors() {
		return engine.NewCluster(), nil, diags, nil
	}
	// explain (a scope) answers one question, which the rules' warnings do not change:
	// it runs only the rules that can refuse the program (docs/engine.md, Speed).
	prog, d := compiler.Compile(srcs, compiler.Options{Config: cfg, ErrorRulesOnly: scope != nil})
	diags = append(diags, d...)
	if prog == nil || diags.HasErrors() {
		diags.Sort()
		return engine.NewCluster(), nil, diags, nil
	}
	var cl *engine.Cluster
	if scope != nil {
		cl, d = engine.FromProgramNamespaces(prog, scope(prog))
	} else {
		cl, d = engine.FromProgram(prog)
	}
	diags = append(diags, d...)
	diags.Sort()
	return cl, prog, diags, nil
}
