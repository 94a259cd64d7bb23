package conform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rfc6455/ws/frame"
)

// A Result is the outcome of one case against one peer.
type Result struct {
	ID          string `json:"id"`
	Agent       string `json:"agent,omitempty"`
	Mode        string `json:"mode"`           // "server": the peer is a server (fuzzer is the client); "client"
	HTTP        string `json:"http,omitempty"` // "HTTP/2" for a case run on an RFC 8441 stream; empty for HTTP/1.1
	Description string `json:"description"`
	Expectation string `json:"expectation"`

	Grade         Grade         `json:"grade"`         // combined: Behavior, or FAILED when the closing verdict fails
	Behavior      Grade         `json:"behavior"`      // protocol/data verdict (catalogue, section 1.1)
	BehaviorClose Grade         `json:"behaviorClose"` // closing verdict (catalogue, section 1.2)
	Reason        string        `json:"reason"`
	Duration      time.Duration `json:"-"`
	DurationMS    float64       `json:"duration_ms"`

	RemoteCloseCode   *int   `json:"remoteCloseCode"` // nil: no close frame from the peer, or an empty one
	RemoteCloseReason string `json:"remoteCloseReason,omitempty"`
	LocalCloseCode    *int   `json:"localCloseCode"`
	ClosedBy          string `json:"closedBy"` // "fuzzer" or "peer": who started the closing handshake (or dropped TCP)
	Clean             bool   `json:"wasClean"`
	Extensions        string `json:"extensions,omitempty"` // in effect, as in Sec-WebSocket-Extensions

	Notes    map[string]string `json:"notes,omitempty"` // case-specific figures (Session.Note), e.g. a compression ratio
	Expected []Expected        `json:"expected,omitempty"`
	Received []Event           `json:"received"`

	Request  string     `json:"handshakeRequest"`
	Response string     `json:"handshakeResponse"`
	Log      []LogEntry `json:"log"`
}

// Expected is one expected list of received events and the grade it earns.
type Expected struct {
	Grade  Grade   `json:"grade"`
	Events []Event `json:"events"`
}

// MarshalJSON writes the entry as {"t_ms": ..., "dir": ..., "text": ...}.
func (e LogEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		T    float64 `json:"t_ms"`
		Dir  string  `json:"dir"`
		Text string  `json:"text"`
	}{ms(e.At), e.Dir, e.Text})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// grade computes the result once the connection is gone.
func (s *Session) grade(r *Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Duration = time.Since(s.start)
	r.DurationMS = ms(r.Duration)
	r.Received = append([]Event{}, s.events...)
	for _, e := range s.expects {
		r.Expected = append(r.Expected, Expected{e.grade, e.events})
	}
	r.Log = s.log
	r.Notes = s.notes
	if s.recvClose && (s.remoteCode != 0 || s.violation != "") {
		c := int(s.remoteCode)
		r.RemoteCloseCode, r.RemoteCloseReason = &c, s.remoteReason
	}
	if s.sentClose && s.sentCode != 0 && s.sentCode != frame.CloseNoStatus {
		c := int(s.sentCode)
		r.LocalCloseCode = &c
	}
	switch {
	case s.closedByFuzzer:
		r.ClosedBy = "fuzzer"
	case s.closedByPeer:
		r.ClosedBy = "peer"
	case s.aborted != "":
		r.ClosedBy = "fuzzer"
	default:
		r.ClosedBy = "peer" // the peer dropped TCP without a close frame
	}
	byFuzzer := r.ClosedBy == "fuzzer"
	r.Clean = s.sentClose && s.recvClose && s.tcpErr == nil && s.aborted == ""

	// behavior (catalogue, section 1.1)
	var why string
	switch {
	case s.result == Informational:
		// Always INFORMATIONAL (7.1.6, 7.13.x): whatever the peer did is reported.
		r.Behavior, why = s.result, s.reason
		if s.violation != "" {
			why += "; the fuzzer saw a protocol violation: " + s.violation
		}
	case s.violation != "":
		r.Behavior, why = Failed, "the peer broke the protocol: "+s.violation
	case s.result != gradeNotGraded:
		r.Behavior, why = s.result, s.reason
	default:
		r.Behavior = Failed
		matched := false
		for _, e := range s.expects {
			if eventsEqual(s.events, e.events) {
				r.Behavior, matched = e.grade, true
				break
			}
		}
		why = "received " + describeEvents(s.events)
		if matched {
			why += ", as the " + string(r.Behavior) + " expectation says"
		} else {
			for _, e := range s.expects {
				why += fmt.Sprintf("; %s would be %s", e.grade, describeEvents(e.events))
			}
		}
	}
	if s.killed {
		why += fmt.Sprintf(" (the fuzzer's kill timer fired)")
	}
	if s.aborted != "" {
		r.Behavior = Failed
		why = "aborted: " + s.aborted + "; " + why
	}

	// behaviorClose (catalogue, section 1.2)
	var cwhy string
	ce := s.closeExp
	switch {
	case ce == nil:
		r.BehaviorClose = closeNotChecked
	case ce.ByFuzzer != byFuzzer:
		r.BehaviorClose = Failed
		if ce.ByFuzzer {
			cwhy = "the peer closed the connection; the fuzzer was to start the closing handshake"
		} else {
			cwhy = "the fuzzer had to close the connection; the peer was to fail it on its own"
		}
	case ce.RequireClean && !r.Clean:
		r.BehaviorClose = Unclean
		cwhy = "the close was not clean (both close frames and an orderly TCP close required)"
	case s.remoteCode != 0 && !slices.Contains(ce.Codes, s.remoteCode):
		r.BehaviorClose = WrongCode
		cwhy = fmt.Sprintf("the peer's close code %d is not one of %v", uint16(s.remoteCode), codeList(ce.Codes))
	case s.droppedByFuzzer:
		r.BehaviorClose = FailedByClient
		cwhy = "the server did not close TCP after the closing handshake (RFC 6455, Section 7.1.1)"
	default:
		r.BehaviorClose = OK
	}
	if r.BehaviorClose == WrongCode && s.group7 {
		r.Behavior = Failed
	}
	if s.invalidUTF8 && byFuzzer && r.Behavior != Failed {
		r.Behavior = Failed
		why = "the peer never failed the connection on invalid UTF-8; " + why
	}

	r.Grade = r.Behavior
	r.Reason = why
	if !r.BehaviorClose.IsPass() {
		r.Grade = Failed
		r.Reason = "close " + string(r.BehaviorClose) + ": " + cwhy + "; " + why
	}
}

func codeList(codes []frame.CloseCode) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprint(uint16(c))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
