// Package interop holds tests that run this library against real peers
// with permessage-deflate (RFC 7692) in effect: Node's ws package (as
// client and as server, context takeover on and off, small windows) and
// headless Chromium, which offers permessage-deflate by default. Messages
// of 0 B to 1 MiB, text and binary, must round-trip intact, and the bytes
// on the wire show that they were compressed.
//
// The peers are found as the team contract says: Node with NODE_PATH set
// to $WSTEST_NODE_PATH (a node_modules directory holding ws@8), Chromium
// through internal/browser. A missing peer skips the test locally and fails
// it when WSTEST_REQUIRE_PEERS=1 (CI).
//
// https://www.rfc-editor.org/rfc/rfc7692
package interop
