package echo

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rfc6455/ws/internal/token"
)

// The choices for Options.Subprotocol.
//
// RFC 6455, Section 4.2.2 lets a server select any one of the subprotocols
// the client offered, or none. The client lists them in its order of
// preference (Section 4.1), and an echo has no preference of its own, so
// every choice here follows the client's order: the first offered that is
// acceptable wins. (handshake.ChooseSubprotocol, used by conn.Accept,
// follows the server's order instead; a server that speaks several
// protocols prefers its own.) Node's ws server selects the client's first
// offer too, when it is given no handleProtocols.

// FirstOffered selects the client's first subprotocol: an echo speaks any.
// It is the default of Options.Subprotocol and of cmd/wsecho.
func FirstOffered(offered []string) string {
	if len(offered) == 0 {
		return ""
	}
	return offered[0]
}

// NoSubprotocol selects none, so the response carries no
// Sec-WebSocket-Protocol. RFC 6455 allows it, but a client that offered a
// subprotocol may then refuse the connection: browsers and Node's ws do
// ("Server sent no subprotocol").
func NoSubprotocol(offered []string) string { return "" }

// OneOf returns a choice that selects the first subprotocol the client
// offered that is in accepted (names compared exactly, as Section 4.1 makes
// them tokens), and none if there is no such offer.
func OneOf(accepted ...string) func(offered []string) string {
	accepted = append([]string(nil), accepted...)
	return func(offered []string) string {
		for _, o := range offered {
			for _, a := range accepted {
				if o == a {
					return o
				}
			}
		}
		return ""
	}
}

// ErrSubprotocolList reports a value ParseSubprotocols cannot read.
var ErrSubprotocolList = errors.New("echo: want *, none or a comma-separated list of subprotocol names (tokens)")

// ParseSubprotocols reads the value of cmd/wsecho's -subprotocols flag:
// "*" selects any, the client's first offer (FirstOffered, the default);
// "none" selects none (NoSubprotocol); a comma-separated list such as
// "chat,v2" selects only those listed, in the client's order of preference
// (OneOf). List elements are trimmed of spaces and must be tokens (RFC 6455,
// Section 4.1); "*" and "none" cannot be listed, as they are read as
// above. An invalid value returns an error wrapping ErrSubprotocolList.
func ParseSubprotocols(s string) (func(offered []string) string, error) {
	switch s = strings.TrimSpace(s); s {
	case "*":
		return FirstOffered, nil
	case "none":
		return NoSubprotocol, nil
	}
	var list []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !token.IsToken(p) || p == "*" || p == "none" {
			return nil, fmt.Errorf("%w: %q has %q", ErrSubprotocolList, s, p)
		}
		list = append(list, p)
	}
	return OneOf(list...), nil
}
