package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// cliAccepts says why netc's command line refuses args, or nil: the verb exists and
// its flags parse.
func cliAccepts(args []string) error {
	root := newRoot(env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}})
	cmd, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	return cmd.ParseFlags(rest)
}

// TestPreCommitHooks checks .pre-commit-hooks.yaml: each hook has the fields
// pre-commit needs, and runs a command line netc accepts.
func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Entry    string   `json:"entry"`
		Language string   `json:"language"`
		Files    string   `json:"files"`
		Args     []string `json:"args"`
	}
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, h := range hooks {
		ids[h.ID] = true
		if h.Name == "" || h.Language != "golang" {
			t.Errorf("%s: name %q, language %q", h.ID, h.Name, h.Language)
		}
		if _, err := regexp.Compile(h.Files); err != nil || h.Files == "" {
			t.Errorf("%s: files %q: %v", h.ID, h.Files, err)
		}
		words := append(strings.Fields(h.Entry), h.Args...)
		if words[0] != "netc" {
			t.Errorf("%s: entry %q does not run netc", h.ID, h.Entry)
			continue
		}
		if err := cliAccepts(append(words[1:], "x.net")); err != nil {
			t.Errorf("%s: netc refuses %q: %v", h.ID, words, err)
		}
	}
	if !ids["netc-check"] || !ids["netc-fmt"] {
		t.Errorf("hooks %v: want netc-check and netc-fmt", ids)
	}
}

// TestAction checks action.yml: a composite action whose every run script is valid
// bash, and whose netc command lines netc accepts.
func TestAction(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name   string                       `json:"name"`
		Inputs map[string]map[string]string `json:"inputs"`
		Runs   struct {
			Using string `json:"using"`
			Steps []struct {
				Name  string `json:"name"`
				Uses  string `json:"uses"`
				Run   string `json:"run"`
				Shell string `json:"shell"`
			} `json:"steps"`
		} `json:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" || len(action.Runs.Steps) == 0 {
		t.Fatalf("runs: %+v", action.Runs)
	}
	bash, _ := exec.LookPath("bash")
	netcLine := regexp.MustCompile(`(?m)^\s*netc ([a-z]+)((?: [^|>;&\n]+)*)`)
	verbs := map[string]bool{}
	for _, st := range action.Runs.Steps {
		if st.Run == "" {
			continue
		}
		if st.Shell != "bash" {
			t.Errorf("step %q: shell %q; composite steps must name it", st.Name, st.Shell)
		}
		if bash != "" {
			cmd := exec.Command(bash, "-n")
			cmd.Stdin = strings.NewReader(st.Run)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("step %q is not valid bash: %v\n%s", st.Name, err, out)
			}
		}
		for _, m := range netcLine.FindAllStringSubmatch(st.Run, -1) {
			verbs[m[1]] = true
			if err := cliAccepts(scriptArgs(m[1], m[2])); err != nil {
				t.Errorf("step %q: netc refuses %q: %v", st.Name, scriptArgs(m[1], m[2]), err)
			}
		}
	}
	for _, v := range []string{"check", "verify", "diff"} {
		if !verbs[v] {
			t.Errorf("the action never runs netc %s", v)
		}
	}
}

// scriptArgs turns a script's netc command line into arguments: a shell variable
// becomes a placeholder, and an array of optional flags ("${flags[@]}") nothing.
func scriptArgs(verb, rest string) []string {
	args := []string{verb}
	for _, f := range strings.Fields(rest) {
		f = strings.Trim(f, `"`)
		switch {
		case strings.HasPrefix(f, "${flags"):
		case strings.HasPrefix(f, "$"):
			args = append(args, "x.net")
		default:
			args = append(args, f)
		}
	}
	return args
}
