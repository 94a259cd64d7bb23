package wstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireNodeWS returns the node binary and the node_modules directory
// (WSTEST_NODE_PATH) that holds Node's ws package, the article's library,
// for interop tests. When either is missing the test is skipped with a
// message saying how to install it, or fails if WSTEST_REQUIRE_PEERS=1
// (set by .ci/run, which installs both).
func RequireNodeWS(t testing.TB) (node, modules string) {
	t.Helper()
	modules = os.Getenv("WSTEST_NODE_PATH")
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node not found on $PATH"
	case modules == "":
		missing = "WSTEST_NODE_PATH is not set"
	default:
		if _, err := os.Stat(filepath.Join(modules, "ws", "package.json")); err != nil {
			missing = "no ws package in " + modules
		}
	}
	if missing != "" {
		if os.Getenv("WSTEST_REQUIRE_PEERS") == "1" {
			t.Fatalf("%s; WSTEST_REQUIRE_PEERS=1 requires Node's ws", missing)
		}
		t.Skipf("skipping Node ws interop: %s (mkdir -p /tmp/nodews && cd /tmp/nodews && npm install --no-save --no-package-lock ws@8; WSTEST_NODE_PATH=/tmp/nodews/node_modules)", missing)
	}
	return node, modules
}
