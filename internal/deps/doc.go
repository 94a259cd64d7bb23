// Package deps holds no code: its test enforces the import graph of
// STYLE.md, section 1, as Go's go/build/deps_test.go does for the standard
// library. The table in deps_test.go is a statement of policy; a change to it
// needs a reason in the commit message.
package deps
