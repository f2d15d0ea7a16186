# netc — the developer's entry points. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 10m

.PHONY: build test test-unit test-conformance test-vscode cluster-bins golden demo bench bench-compare fuzz lint clean

# VERSION: the release tag (v1.2.3 → 1.2.3) when HEAD has one, else 0.0.0-dev+REVISION.
VERSION  ?= $(shell v=$$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null) && echo $${v#v} || echo 0.0.0-dev+$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown))

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/netc ./cmd/netc

## test: every test: unit, golden, CLI scripts, real-database integration, and the
## conformance module (upstream Kubernetes validation, RBAC authorizer, netpol-analyzer).
test: test-unit test-conformance test-vscode

test-unit:
	$(GO) vet ./...
	$(GO) test ./...

test-conformance:
	cd test/conformance && $(GO) vet ./... && $(GO) test ./...

## test-vscode: tokenize every example with the VS Code extension's grammar
## (vscode-textmate and vscode-oniguruma from npm); skipped without node.
test-vscode:
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error && npm test; \
	else echo "SKIPPED test-vscode: node and npm are not installed"; fi

## cluster-bins: the real control plane the conformance tests start on loopback:
## kube-apiserver and kubectl (k8s.io/kubernetes, tools of the test module) and etcd
## (test/conformance/cmd/etcd, over go.etcd.io/etcd/server/v3/embed), into
## test/conformance/.bin. Cached by the Go build cache: a few seconds when up to date.
cluster-bins:
	cd test/conformance && GONOSUMDB='github.com/np-guard/*' $(GO) build -o .bin/ \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./cmd/etcd

## golden: rewrite the expected sections of every testdata/**/*.txtar case and of the
## CLI scripts (cmd/netc/testdata/script); review the diff.
golden:
	NETC_UPDATE=1 $(GO) test -run 'TestGolden' .
	NETC_UPDATE=1 $(GO) test -run 'TestScripts' ./cmd/netc
	NETC_UPDATE=1 $(GO) test -run 'TestNeovim' ./lsp
	$(GO) test -run 'TestGolden|TestDeterministic|TestRuleCoverage' .
	$(GO) test -run 'TestScripts' ./cmd/netc

## demo: compile the shop example into out/ and show what was written.
demo:
	$(GO) run ./cmd/netc build examples/shop -o out/
	@find out -type f | sort

bench:
	./bench/run.sh

bench-compare:
	./bench/compare.sh

## fuzz: every fuzz target in turn, FUZZTIME each (crashers land in testdata/fuzz/).
fuzz:
	$(GO) test -run XXX -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./lang/parser/
	$(GO) test -run XXX -fuzz '^FuzzChunkedParse$$' -fuzztime $(FUZZTIME) ./lang/parser/
	$(GO) test -run XXX -fuzz '^FuzzFormat$$' -fuzztime $(FUZZTIME) ./lang/format/
	$(GO) test -run XXX -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME) ./compiler/
	$(GO) test -run XXX -fuzz '^FuzzBuild$$' -fuzztime $(FUZZTIME) ./backends/
	$(GO) test -run XXX -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./config/
	$(GO) test -run XXX -fuzz '^FuzzObjectName$$' -fuzztime $(FUZZTIME) ./backends/rbac/
	$(GO) test -run XXX -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run XXX -fuzz '^FuzzImport$$' -fuzztime $(FUZZTIME) ./importer/
	$(GO) test -run XXX -fuzz '^FuzzIndex$$' -fuzztime $(FUZZTIME) ./lsp/

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	cd test/conformance && $(GO) vet ./...

clean:
	rm -rf bin out
