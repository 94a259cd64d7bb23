// Package wstest holds helpers for this module's tests: the loader of the
// annotated hex fixtures in testdata/frames (format: STYLE.md, section 5.2).
// It imports no package of this module, so any package's tests may use it,
// and it is imported only from _test.go files (internal/deps checks).
//
// A fixture file holds one frame. Lines starting with @ are metadata
// (@from client|server, @want ok | error CODE SECTION, @rule ErrName,
// @after other_fixture, @rsv 1, @limit N, @payload "quoted"), @fill N XX adds
// N bytes of XX, # starts a comment, and everything else is hex byte pairs,
// one wire field per line.
//
// # Spec coverage
//
// None itself; the fixtures it loads cover RFC 6455, Sections 5 and 7.4.
//
// https://www.rfc-editor.org/rfc/rfc6455
package wstest
