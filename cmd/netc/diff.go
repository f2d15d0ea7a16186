package main

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/netc-dev/netc/compiler"
	"github.com/netc-dev/netc/compiler/k8sapi"
	"github.com/netc-dev/netc/config"
	"github.com/netc-dev/netc/diag"
	"github.com/netc-dev/netc/engine"
)

// Exit statuses of netc diff, as git diff --exit-code's.
const (
	exitSame    = 0
	exitChanged = 1
)

func newDiff(e env) *cobra.Command {
	format := formatFlag{value: "text", allowed: engine.DiffFormats}
	var manifests bool
	var configFile string
	var maxDiags int
	c := &cobra.Command{
		Use:   "diff OLD NEW [--manifests] [--format FORMAT]",
		Short: "say what a change opens and closes: network paths, RBAC permissions, SQL privileges",
		Long: `Diff compares two versions of a policy set and reports what the change does:
network paths opened, closed and changed (with the ports gained and lost), RBAC
permissions added and removed per subject and namespace, SQL privileges added and
removed per database and role. Nothing else counts: reordering statements, renaming
or splitting files, comments and formatting are no change.

OLD and NEW are each a file or directory of intents (as netc build reads them), or
git:REV, the same path at a git revision (read from the repository, the working tree
untouched), or git:REV:PATH. For a pull request:

    netc diff git:origin/main .

A side's netc.hcl is the one beside its inputs (at the revision for git:), unless
--config names one for both. With --manifests both sides are Kubernetes YAML or JSON
(files or directories, or git:REV), read as netc connectivity --manifests reads them;
their RBAC objects (Roles, ClusterRoles with aggregation, bindings) give the
permissions.

RBAC permissions of intents include effective privileges: what a subject can do as
the ServiceAccounts it can run pods as, exec into or mint tokens for, with the account
named ("via").

--format text (the default) prints a summary and one line per change; md a pull
request comment (a summary line, then tables); json {"changed", "summary", "network":
{"opened", "closed", "changed"}, "rbac": {"added", "removed"}, "sql": {"added",
"removed"}}; txt netpol-analyzer's diff text (network only).

Exit status: 0 nothing changed; 1 something did (like git diff --exit-code); 2 an
input has errors (printed), or usage or I/O failure.`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			lessGC(200)
			oldSpec, newSpec := parseSide(args[0]), parseSide(args[1])
			if (oldSpec.path == "" && newSpec.path == stdinArg) || (newSpec.path == "" && oldSpec.path == stdinArg) {
				return usagef(c, "git:REV takes the other side's path, and standard input has none: write git:REV:PATH")
			}
			switch {
			case oldSpec.path == "" && newSpec.path == "":
				oldSpec.path, newSpec.path = ".", "."
			case oldSpec.path == "":
				oldSpec.path = newSpec.path
			case newSpec.path == "":
				newSpec.path = oldSpec.path
			}
			if oldSpec.path == stdinArg && newSpec.path == stdinArg {
				return usagef(c, "standard input (-) can be read only once")
			}
			// The two sides are independent: read and analyse them at once, then
			// report in order.
			ld := sideLoader{e: e, manifests: manifests, config: configFile}
			var sides [2]loaded
			var wg sync.WaitGroup
			for i, sp := range []sideSpec{oldSpec, newSpec} {
				wg.Go(func() { sides[i] = ld.load(sp) })
			}
			wg.Wait()
			for i, sp := range []sideSpec{oldSpec, newSpec} {
				if err := sides[i].report(e, sp, maxDiags); err != nil {
					return err
				}
			}
			old, new := sides[0].v, sides[1].v
			r := engine.Compare(old, new)
			if err := engine.WriteReport(e.stdout, r, format.value); err != nil {
				return err
			}
			if r.Empty() {
				return nil
			}
			return exitStatus(exitChanged)
		},
	}
	c.Flags().Var(&format, "format", "print the report as `FORMAT`: "+orList(engine.DiffFormats))
	c.Flags().BoolVar(&manifests, "manifests", false, "both sides are Kubernetes manifests instead of intents")
	c.Flags().StringVar(&configFile, "config", "", "read the configuration of both sides from `FILE` instead of the netc.hcl beside each (intents only)")
	maxDiagnosticsFlag(c, &maxDiags)
	return c
}

// sideSpec is one side of a diff: a path, at a git revision or on disk.
type sideSpec struct {
	arg  string
	rev  string // "" for the file system
	path string // "" for git:REV without a path: the other side's
}

func parseSide(arg string) sideSpec {
	rest, ok := strings.CutPrefix(arg, "git:")
	if !ok {
		return sideSpec{arg: arg, path: arg}
	}
	rev, p, _ := strings.Cut(rest, ":")
	return sideSpec{arg: arg, rev: rev, path: p}
}

type sideLoader struct {
	e         env
	manifests bool
	config    string
}

// loaded is one side, read: the version, or what went wrong, and notes for stderr.
type loaded struct {
	v     *engine.Version
	diags diag.List
	notes []string
	err   error
}

// report prints what reading the side said; problems with its input end the command
// with exit 2, since exit 1 means "changed".
func (r loaded) report(e env, s sideSpec, maxDiags int) error {
	for _, n := range r.notes {
		fmt.Fprintf(e.stderr, "netc: %s\n", n)
	}
	if r.err != nil {
		return r.err
	}
	errs := slices.DeleteFunc(slices.Clone(r.diags), func(d diag.Diagnostic) bool { return d.Severity != diag.Error })
	if err := diag.WriteText(e.stderr, errs, maxDiags); err != nil {
		return err
	}
	if len(errs) > 0 {
		fmt.Fprintf(e.stderr, "netc: %s has errors; nothing compared\n", s.arg)
		return exitStatus(exitUsage)
	}
	return nil
}

// load reads and analyses one side. It may run beside the other side's: it writes
// nothing, and reads standard input only for the one side that names it.
func (l sideLoader) load(s sideSpec) (r loaded) {
	var v *engine.Version
	var diags diag.List
	var err error
	switch {
	case l.manifests && s.rev == "":
		var cl *engine.Cluster
		cl, diags, err = engine.Load([]string{s.path}, l.e.stdin)
		if err == nil {
			v = engine.ClusterVersion(cl)
		}
	case l.manifests:
		v, diags, err = l.gitManifests(s, &r.notes)
	default:
		v, diags, err = l.intents(s, &r.notes)
	}
	r.v, r.diags, r.err = v, diags, err
	return r
}

// intents compiles one side's intents, from disk or at a revision.
func (l sideLoader) intents(s sideSpec, notes *[]string) (*engine.Version, diag.List, error) {
	var srcs []compiler.Source
	var cfg *config.Config
	var diags diag.List
	if s.rev == "" {
		ins, err := collectInputs([]string{s.path}, defaultStdinName)
		if err != nil {
			return nil, nil, err
		}
		cfg, diags, err = loadConfig(l.config, []string{s.path}, defaultStdinName)
		if err != nil || diags.HasErrors() {
			return nil, diags, err
		}
		var d diag.List
		srcs, d, err = readSources(ins, l.e.stdin)
		if err != nil {
			return nil, nil, err
		}
		diags = append(diags, d...)
	} else {
		g, err := openGitRev(s.rev)
		if err != nil {
			return nil, nil, err
		}
		files, dir, d, err := l.gitFiles(g, s, notes, func(n string) bool { return strings.HasSuffix(n, ".net") })
		if err != nil {
			return nil, nil, err
		}
		diags = d
		if l.config != "" {
			var cd diag.List
			cfg, cd, err = loadConfig(l.config, nil, defaultStdinName)
			if err != nil {
				return nil, nil, err
			}
			diags = append(diags, cd...)
		} else {
			rp, _ := g.repoPath(s.path)
			if !dir {
				rp = path.Dir(rp)
			}
			hcl := path.Join(rp, config.FileName)
			data, err := g.read([]string{hcl})
			if err != nil {
				return nil, nil, err
			}
			cfg = config.Default()
			if data[0] != nil {
				var cd diag.List
				if cfg, cd = config.Load(g.display(hcl), data[0]); cfg == nil {
					cfg = config.Default()
				}
				diags = append(diags, cd...)
			}
		}
		for _, f := range files {
			srcs = append(srcs, compiler.Source{Name: f.name, Data: f.data})
		}
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	// A diff reports what the policies permit, which the rules' warnings do not change:
	// only the rules that can refuse a side run (docs/engine.md, Speed).
	prog, d := compiler.Compile(srcs, compiler.Options{Config: cfg, ErrorRulesOnly: true})
	diags = append(diags, d...)
	if prog == nil || diags.HasErrors() {
		diags.Sort()
		return nil, diags, nil
	}
	cl, d := engine.FromProgram(prog)
	diags = append(diags, d...)
	diags.Sort()
	v := engine.ClusterVersion(cl)
	v.Permissions = engine.Permissions(prog.Grants, k8sapi.NewEffective(prog))
	v.SQL = engine.SQLPrivileges(prog)
	return v, diags, nil
}

// gitManifests reads one side's manifests at a revision.
func (l sideLoader) gitManifests(s sideSpec, notes *[]string) (*engine.Version, diag.List, error) {
	g, err := openGitRev(s.rev)
	if err != nil {
		return nil, nil, err
	}
	files, _, diags, err := l.gitFiles(g, s, notes, func(n string) bool {
		ext := strings.ToLower(filepath.Ext(n))
		return ext == ".yaml" || ext == ".yml" || ext == ".json"
	})
	if err != nil {
		return nil, nil, err
	}
	cl := engine.NewCluster()
	for _, f := range files {
		cl.Read(engine.Source{Name: f.name, Data: f.data}, &diags)
	}
	diags.Sort()
	return engine.ClusterVersion(cl), diags, nil
}

type gitSource struct {
	name string
	data []byte
}

// gitFiles reads the files of s.path at the revision that keep accepts, within the
// size limits of files on disk. A path the revision does not have is an empty side
// (a directory the change adds), said on standard error.
func (l sideLoader) gitFiles(g *gitRev, s sideSpec, notes *[]string, keep func(string) bool) ([]gitSource, bool, diag.List, error) {
	files, dir, exists, err := g.files(s.path, keep)
	if err != nil {
		return nil, false, nil, err
	}
	if !exists {
		*notes = append(*notes, fmt.Sprintf("%s is not at %s; comparing with nothing", s.path, g.label))
		return nil, true, nil, nil
	}
	if dir && len(files) == 0 && !l.manifests {
		return nil, false, nil, fmt.Errorf("git:%s: %s: no .net files in this directory", g.label, s.path)
	}
	var diags diag.List
	var paths []string
	var kept []gitFile
	total := int64(0)
	for _, f := range files {
		if f.size > MaxFileSize {
			diags.Add(diag.Diagnostic{Span: diag.Span{File: f.name},
				Message: fmt.Sprintf("file is larger than %s, the most netc reads from one input", size(MaxFileSize))})
			continue
		}
		if total += f.size; total > MaxTotalSize {
			diags.Add(diag.Diagnostic{Span: diag.Span{File: f.name},
				Message: fmt.Sprintf("inputs are larger than %s together, the most netc reads in one run", size(MaxTotalSize))})
			break
		}
		paths = append(paths, f.repoPath)
		kept = append(kept, f)
	}
	data, err := g.read(paths)
	if err != nil {
		return nil, false, nil, err
	}
	out := make([]gitSource, len(kept))
	for i, f := range kept {
		out[i] = gitSource{f.name, data[i]}
	}
	return out, dir, diags, nil
}
