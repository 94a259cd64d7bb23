package h2

import "strconv"

// A SettingID identifies a SETTINGS parameter (RFC 9113, Section 6.5.2).
type SettingID uint16

// The settings of RFC 9113, Section 6.5.2, and RFC 8441, Section 3.
const (
	SettingHeaderTableSize       SettingID = 0x1 // HPACK dynamic table limit, initial 4096
	SettingEnablePush            SettingID = 0x2 // 0 or 1, initial 1
	SettingMaxConcurrentStreams  SettingID = 0x3 // initially unlimited
	SettingInitialWindowSize     SettingID = 0x4 // initial 65535, at most 2^31-1
	SettingMaxFrameSize          SettingID = 0x5 // 16384 to 2^24-1, initial 16384
	SettingMaxHeaderListSize     SettingID = 0x6 // advisory, initially unlimited
	SettingEnableConnectProtocol SettingID = 0x8 // RFC 8441, Section 3: 0 or 1, initial 0
)

var settingNames = [...]string{
	SettingHeaderTableSize:       "HEADER_TABLE_SIZE",
	SettingEnablePush:            "ENABLE_PUSH",
	SettingMaxConcurrentStreams:  "MAX_CONCURRENT_STREAMS",
	SettingInitialWindowSize:     "INITIAL_WINDOW_SIZE",
	SettingMaxFrameSize:          "MAX_FRAME_SIZE",
	SettingMaxHeaderListSize:     "MAX_HEADER_LIST_SIZE",
	SettingEnableConnectProtocol: "ENABLE_CONNECT_PROTOCOL",
}

// String returns the setting's name without its "SETTINGS_" prefix, such as
// "MAX_FRAME_SIZE"; unknown identifiers print as "SETTING_0x7".
func (id SettingID) String() string {
	if int(id) < len(settingNames) && settingNames[id] != "" {
		return settingNames[id]
	}
	return "SETTING_0x" + strconv.FormatUint(uint64(id), 16)
}

// MaxWindowSize is the largest flow-control window, 2^31-1
// (RFC 9113, Section 6.9.1).
const MaxWindowSize = 1<<31 - 1

// A Setting is one identifier/value pair of a SETTINGS frame
// (RFC 9113, Section 6.5.1).
type Setting struct {
	ID  SettingID
	Val uint32
}

// String returns "NAME=value", as Describe prints it.
func (s Setting) String() string {
	return s.ID.String() + "=" + utoa(s.Val)
}

// Valid checks the value against the range RFC 9113, Section 6.5.2 (and
// RFC 8441, Section 3) gives its setting, and returns a *ConnError with the
// error code that section names. Unknown settings are valid: "An endpoint
// that receives a SETTINGS frame with any unknown or unsupported identifier
// MUST ignore that setting" (RFC 9113, Section 6.5.2).
func (s Setting) Valid() error {
	switch s.ID {
	case SettingEnablePush:
		// "Any value other than 0 or 1 MUST be treated as a connection error
		// ... of type PROTOCOL_ERROR." (RFC 9113, Section 6.5.2)
		if s.Val > 1 {
			return connErr(ErrCodeProtocol, "6.5.2", "SETTINGS_ENABLE_PUSH is "+utoa(s.Val)+", not 0 or 1")
		}
	case SettingInitialWindowSize:
		// "Values above the maximum flow-control window size of 2^31-1 MUST be
		// treated as a connection error ... of type FLOW_CONTROL_ERROR."
		if s.Val > MaxWindowSize {
			return connErr(ErrCodeFlowControl, "6.5.2", "SETTINGS_INITIAL_WINDOW_SIZE "+utoa(s.Val)+" above 2^31-1")
		}
	case SettingMaxFrameSize:
		// "Values outside this range MUST be treated as a connection error ...
		// of type PROTOCOL_ERROR." (16384 to 2^24-1, RFC 9113, Section 6.5.2)
		if s.Val < DefaultMaxFrameSize || s.Val > MaxFrameSizeLimit {
			return connErr(ErrCodeProtocol, "6.5.2", "SETTINGS_MAX_FRAME_SIZE "+utoa(s.Val)+" outside 16384..16777215")
		}
	case SettingEnableConnectProtocol:
		// RFC 8441, Section 3: the value "MUST be 0 or 1"; we apply the
		// PROTOCOL_ERROR of RFC 9113, Section 6.5.2 for ENABLE_PUSH.
		if s.Val > 1 {
			return &ConnError{Code: ErrCodeProtocol, Reason: "SETTINGS_ENABLE_CONNECT_PROTOCOL is " + utoa(s.Val) + ", not 0 or 1 (RFC 8441, Section 3)"}
		}
	}
	return nil
}
