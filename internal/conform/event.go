package conform

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rfc6455/ws/frame"
)

// An EventKind names what the fuzzer received from the peer.
type EventKind string

// The kinds of received events (catalogue, section 1.1).
const (
	EventMessage EventKind = "message" // a complete text or binary message
	EventPing    EventKind = "ping"
	EventPong    EventKind = "pong"
	EventMarker  EventKind = "marker" // a timer fired while the connection was still open (6.4.x)
)

// An Event is one thing the fuzzer received, in the order received.
type Event struct {
	Kind    EventKind
	Opcode  frame.Opcode // for messages: OpText or OpBinary
	Payload []byte       // message or control payload; the marker name for markers
}

// Text returns the event of a text message with payload p.
func Text(p string) Event { return Event{Kind: EventMessage, Opcode: frame.OpText, Payload: []byte(p)} }

// TextBytes returns the event of a text message with payload p.
func TextBytes(p []byte) Event { return Event{Kind: EventMessage, Opcode: frame.OpText, Payload: p} }

// Binary returns the event of a binary message with payload p.
func Binary(p []byte) Event { return Event{Kind: EventMessage, Opcode: frame.OpBinary, Payload: p} }

// Ping returns the event of a ping received with payload p.
func Ping(p []byte) Event { return Event{Kind: EventPing, Opcode: frame.OpPing, Payload: p} }

// Pong returns the event of a pong received with payload p.
func Pong(p []byte) Event { return Event{Kind: EventPong, Opcode: frame.OpPong, Payload: p} }

// Marker returns the marker event with the given name.
func Marker(name string) Event { return Event{Kind: EventMarker, Payload: []byte(name)} }

// Equal reports whether e and o are the same event: kind, type and payload bytes.
func (e Event) Equal(o Event) bool {
	return e.Kind == o.Kind && (e.Kind != EventMessage || e.Opcode == o.Opcode) && bytes.Equal(e.Payload, o.Payload)
}

// String describes the event for a person: kind, length and a payload preview.
func (e Event) String() string {
	switch e.Kind {
	case EventMarker:
		return "marker " + string(e.Payload)
	case EventMessage:
		return fmt.Sprintf("%s message, %d bytes %s", e.Opcode, len(e.Payload), preview(e.Payload, 48))
	}
	return fmt.Sprintf("%s, %d bytes %s", e.Kind, len(e.Payload), preview(e.Payload, 48))
}

// MarshalJSON writes the event with a payload preview (at most 256 bytes).
func (e Event) MarshalJSON() ([]byte, error) {
	v := struct {
		Kind    EventKind `json:"kind"`
		Opcode  string    `json:"opcode,omitempty"`
		Len     int       `json:"len"`
		Payload string    `json:"payload"`
	}{Kind: e.Kind, Len: len(e.Payload), Payload: preview(e.Payload, 256)}
	if e.Kind == EventMessage {
		v.Opcode = e.Opcode.String()
	}
	return json.Marshal(v)
}

func eventsEqual(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func describeEvents(ev []Event) string {
	if len(ev) == 0 {
		return "nothing"
	}
	parts := make([]string, 0, len(ev))
	for i, e := range ev {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("... (%d events)", len(ev)))
			break
		}
		parts = append(parts, e.String())
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// preview renders up to max bytes of p: quoted when it is printable UTF-8,
// hex otherwise, with "..." when cut.
func preview(p []byte, max int) string {
	cut := p
	more := ""
	if len(cut) > max {
		cut, more = cut[:max], "..."
	}
	if len(p) == 0 {
		return `""`
	}
	if utf8.Valid(cut) && printable(cut) {
		return strconv.Quote(string(cut)) + more
	}
	// A cut may split a rune: show hex for anything not clean.
	return "0x" + hex.EncodeToString(cut) + more
}

func printable(p []byte) bool {
	for _, r := range string(p) {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}
