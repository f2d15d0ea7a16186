package conformance

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests in this file run netc's output and netc audit against a real
// kube-apiserver (with etcd) on loopback, started from the binaries `make
// cluster-bins` builds into .bin/ (kube-apiserver and kubectl from k8s.io/kubernetes,
// etcd from cmd/etcd). Without them the tests skip, loudly; under
// NETC_REQUIRE_CLUSTER=1 (as .ci/run sets) they fail instead.

// binDir is where `make cluster-bins` puts the binaries; NETC_CLUSTER_BIN overrides.
func binDir() string {
	if d := os.Getenv("NETC_CLUSTER_BIN"); d != "" {
		return d
	}
	d, _ := filepath.Abs(".bin")
	return d
}

// liveCluster is one etcd and kube-apiserver, and kubeconfigs for two users: admin
// (system:masters) and auditor, who may only get, list and watch what netc audit reads.
type liveCluster struct {
	dir        string
	admin      string // kubeconfig of admin
	auditor    string // kubeconfig of auditor
	auditLog   string // the API server's audit log: every request, with its user and verb
	kubectlBin string
	netcBin    string
}

func requireBinaries(t *testing.T, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(binDir(), n)); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("no %s in %s: run `make cluster-bins` at the repository root", strings.Join(missing, ", "), binDir())
	if os.Getenv("NETC_REQUIRE_CLUSTER") == "1" {
		t.Fatal(msg + " (NETC_REQUIRE_CLUSTER=1)")
	}
	t.Skip("SKIPPED, no real API server: " + msg)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// auditorRole is what netc audit needs and nothing more: get, list and watch on the
// kinds it reads. Without write verbs, any write netc tried would fail with 403.
const auditorRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: netc-auditor}
rules:
- apiGroups: ["", apps, batch, networking.k8s.io, rbac.authorization.k8s.io, policy.networking.k8s.io]
  resources: [namespaces, pods, services, serviceaccounts, replicationcontrollers, deployments, replicasets,
    statefulsets, daemonsets, jobs, cronjobs, networkpolicies, ingresses, roles, rolebindings, clusterroles,
    clusterrolebindings, adminnetworkpolicies, baselineadminnetworkpolicies]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: netc-auditor}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: netc-auditor}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: auditor}]
`

// startCluster starts etcd and kube-apiserver in a temporary directory, waits until
// the API server is ready, builds netc, and stops everything when t ends.
func startCluster(t *testing.T) *liveCluster {
	t.Helper()
	requireBinaries(t, "etcd", "kube-apiserver", "kubectl")
	dir := t.TempDir()
	c := &liveCluster{dir: dir, kubectlBin: filepath.Join(binDir(), "kubectl"), auditLog: filepath.Join(dir, "audit.log")}

	// netc, built from the main module as users get it.
	c.netcBin = filepath.Join(dir, "netc")
	build := exec.Command("go", "build", "-o", c.netcBin, "./cmd/netc")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/netc: %v\n%s", err, out)
	}

	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, err := exec.Command("openssl", "genrsa", "2048").Output()
	if err != nil {
		t.Fatalf("openssl genrsa: %v", err)
	}
	saKey := write("sa.key", string(key))
	tokens := write("tokens.csv", "admintoken,admin,1,\"system:masters\"\nauditortoken,auditor,2\n")
	policy := write("audit-policy.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n")

	start := func(name string, args ...string) {
		cmd := exec.Command(filepath.Join(binDir(), name), args...)
		logf, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			logf.Close()
			if t.Failed() {
				tail, _ := exec.Command("tail", "-20", logf.Name()).Output()
				t.Logf("%s log (last lines):\n%s", name, tail)
			}
		})
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	start("etcd", "-data-dir", filepath.Join(dir, "etcd"), "-client-url", etcdURL,
		"-peer-url", fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	port := freePort(t)
	start("kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+saKey,
		"--service-account-signing-key-file="+saKey,
		"--authorization-mode=RBAC",
		"--token-auth-file="+tokens,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--endpoint-reconciler-type=none",
		"--audit-policy-file="+policy,
		"--audit-log-path="+c.auditLog,
	)
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	kubeconfig := func(user, token string) string {
		return write(user+".kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: %s
  user: {token: %s}
contexts:
- name: %s
  context: {cluster: test, user: %s}
current-context: %s
`, server, user, token, user, user, user))
	}
	c.admin = kubeconfig("admin", "admintoken")
	c.auditor = kubeconfig("auditor", "auditortoken")

	// Ready: /readyz answers ok (the RBAC bootstrap roles are in place by then).
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	began := time.Now()
	for {
		req, _ := http.NewRequest("GET", server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer admintoken")
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(began) > 3*time.Minute {
			t.Fatalf("kube-apiserver not ready after %v", time.Since(began))
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("kube-apiserver ready in %v", time.Since(began).Round(100*time.Millisecond))
	c.kubectl(t, "", "apply", "-f", write("auditor.yaml", auditorRole))
	return c
}

// kubectl runs kubectl as admin with stdin (if not "") and returns its stdout; any
// failure fails t.
func (c *liveCluster) kubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := c.try(stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// try runs kubectl as admin; the error holds stderr and the exit status.
func (c *liveCluster) try(stdin string, args ...string) (string, error) {
	cmd := exec.Command(c.kubectlBin, append([]string{"--kubeconfig", c.admin}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%v: %s%s", err, stderr.String(), stdout.String())
	}
	return stdout.String(), err
}

// netc runs netc and returns its stdout, stderr and exit status.
func (c *liveCluster) netc(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(c.netcBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// auditVerbs lists the verbs of the requests user made, from the API server's audit
// log, with the first request of each verb.
func (c *liveCluster) auditVerbs(t *testing.T, user string) map[string]string {
	t.Helper()
	f, err := os.Open(c.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	verbs := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			Verb       string `json:"verb"`
			RequestURI string `json:"requestURI"`
			Stage      string `json:"stage"`
			User       struct {
				Username string `json:"username"`
			} `json:"user"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.User.Username != user {
			continue
		}
		if _, ok := verbs[ev.Verb]; !ok {
			verbs[ev.Verb] = ev.RequestURI
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return verbs
}

// resourceVersions lists every object of the kinds netc audit reads, with its
// resourceVersion: any write to one of them changes the list.
func (c *liveCluster) resourceVersions(t *testing.T) []string {
	t.Helper()
	out := c.kubectl(t, "", "get", "-A", "-o", `jsonpath={range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}`,
		"namespaces,pods,services,serviceaccounts,replicationcontrollers,deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,networkpolicies,ingresses,roles,rolebindings,clusterroles,clusterrolebindings")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	slices.Sort(lines)
	return lines
}
