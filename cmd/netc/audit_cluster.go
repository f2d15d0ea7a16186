package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
	"github.com/netc-dev/netc/kube"
	"github.com/netc-dev/netc/live/kubestate"
)

// clusterFlags are the flags of netc audit that read Kubernetes: a live cluster
// (--cluster, with --kubeconfig and --context) or its objects in files (--manifests).
type clusterFlags struct {
	cluster             bool
	kubeconfig, context string
	manifests           []string
}

func (f *clusterFlags) add(c *cobra.Command) {
	c.Flags().BoolVar(&f.cluster, "cluster", false, "audit the live cluster of the kubeconfig (read-only: list requests)")
	c.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "read the cluster's address and credentials from `FILE` (default: $KUBECONFIG, then ~/.kube/config, as kubectl)")
	c.Flags().StringVar(&f.context, "context", "", "use the kubeconfig context `NAME` (default: its current context)")
	c.Flags().StringArrayVar(&f.manifests, "manifests", nil, "audit the objects in `PATH` (kubectl get -o yaml output; a file, a directory or -; repeatable) instead of a live cluster")
}

// selected reports whether the command line asks for a Kubernetes audit.
func (f *clusterFlags) selected() bool {
	return f.cluster || len(f.manifests) > 0 || f.kubeconfig != "" || f.context != ""
}

// clusterReadTimeout bounds reading a live cluster.
const clusterReadTimeout = 2 * time.Minute

// runCluster compiles the inputs, reads the live objects (from the cluster or the
// manifests), audits them and prints the report in format. Exit status: 0 clean, 1
// findings, 2 usage, I/O, an unreachable cluster, unreadable manifests or a program
// with errors.
func runCluster(e env, c *cobra.Command, args []string, f *clusterFlags, format, configFile string, maxDiags int) error {
	switch {
	case f.cluster && len(f.manifests) > 0:
		return usagef(c, "--cluster and --manifests cannot be used together")
	case !f.cluster && len(f.manifests) == 0:
		return usagef(c, "--kubeconfig and --context need --cluster")
	}
	for _, a := range args {
		if a == stdinArg {
			return usagef(c, "%s does not read intents from standard input", c.CommandPath())
		}
	}
	r, err := compileInputs(e, args, configFile, defaultStdinName)
	if err != nil {
		return err
	}
	if err := diag.WriteText(e.stderr, warningsAndErrors(r.diags), maxDiags); err != nil {
		return err
	}
	if r.diags.HasErrors() || r.program == nil {
		fmt.Fprintf(e.stderr, "netc: the program has errors; %s needs the objects it would build\n", c.CommandPath())
		return exitStatus(exitUsage)
	}
	// What the program compiles to, read back from the very files build writes.
	var built []engine.Source
	for _, file := range r.files {
		if strings.HasPrefix(file.Path, kube.Dir) {
			built = append(built, engine.Source{Name: file.Path, Data: file.Data})
		}
	}
	var wantDiags diag.List
	want := kubestate.ReadManifests(built, &wantDiags)
	if wantDiags.HasErrors() {
		return fmt.Errorf("reading back the compiled objects: %s", wantDiags[0].Message)
	}
	var live *kubestate.State
	var diags diag.List
	if f.cluster {
		cfg, err := kubestate.Connection{Kubeconfig: f.kubeconfig, Context: f.context}.Config()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), clusterReadTimeout)
		defer cancel()
		if live, err = kubestate.Fetch(ctx, cfg, &diags); err != nil {
			return fmt.Errorf("cluster %s: %v", cfg.Host, err)
		}
	} else {
		srcs, d, err := engine.ReadSources(f.manifests, e.stdin)
		if err != nil {
			return err
		}
		diags = d
		live = kubestate.ReadManifests(srcs, &diags)
	}
	rep, d := kubestate.Audit(r.program, want, live)
	diags = append(diags, d...)
	diags.Sort()
	if err := diag.WriteText(e.stderr, diags, maxDiags); err != nil {
		return err
	}
	if diags.HasErrors() {
		fmt.Fprintf(e.stderr, "netc: the live objects have errors; no audit is made\n")
		return exitStatus(exitUsage)
	}
	if err := rep.Write(e.stdout, format); err != nil {
		return err
	}
	if !rep.Clean() {
		return exitStatus(exitProgram)
	}
	return nil
}
