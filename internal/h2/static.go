package h2

// staticTable is the static table of RFC 7541, Appendix A. Index 1 is
// staticTable[0]; the dynamic table's indexes start after it, at 62
// (RFC 7541, Section 2.3.3).
var staticTable = [...]HeaderField{
	{Name: ":authority"},                              // 1
	{Name: ":method", Value: "GET"},                   // 2
	{Name: ":method", Value: "POST"},                  // 3
	{Name: ":path", Value: "/"},                       // 4
	{Name: ":path", Value: "/index.html"},             // 5
	{Name: ":scheme", Value: "http"},                  // 6
	{Name: ":scheme", Value: "https"},                 // 7
	{Name: ":status", Value: "200"},                   // 8
	{Name: ":status", Value: "204"},                   // 9
	{Name: ":status", Value: "206"},                   // 10
	{Name: ":status", Value: "304"},                   // 11
	{Name: ":status", Value: "400"},                   // 12
	{Name: ":status", Value: "404"},                   // 13
	{Name: ":status", Value: "500"},                   // 14
	{Name: "accept-charset"},                          // 15
	{Name: "accept-encoding", Value: "gzip, deflate"}, // 16
	{Name: "accept-language"},                         // 17
	{Name: "accept-ranges"},                           // 18
	{Name: "accept"},                                  // 19
	{Name: "access-control-allow-origin"},             // 20
	{Name: "age"},                                     // 21
	{Name: "allow"},                                   // 22
	{Name: "authorization"},                           // 23
	{Name: "cache-control"},                           // 24
	{Name: "content-disposition"},                     // 25
	{Name: "content-encoding"},                        // 26
	{Name: "content-language"},                        // 27
	{Name: "content-length"},                          // 28
	{Name: "content-location"},                        // 29
	{Name: "content-range"},                           // 30
	{Name: "content-type"},                            // 31
	{Name: "cookie"},                                  // 32
	{Name: "date"},                                    // 33
	{Name: "etag"},                                    // 34
	{Name: "expect"},                                  // 35
	{Name: "expires"},                                 // 36
	{Name: "from"},                                    // 37
	{Name: "host"},                                    // 38
	{Name: "if-match"},                                // 39
	{Name: "if-modified-since"},                       // 40
	{Name: "if-none-match"},                           // 41
	{Name: "if-range"},                                // 42
	{Name: "if-unmodified-since"},                     // 43
	{Name: "last-modified"},                           // 44
	{Name: "link"},                                    // 45
	{Name: "location"},                                // 46
	{Name: "max-forwards"},                            // 47
	{Name: "proxy-authenticate"},                      // 48
	{Name: "proxy-authorization"},                     // 49
	{Name: "range"},                                   // 50
	{Name: "referer"},                                 // 51
	{Name: "refresh"},                                 // 52
	{Name: "retry-after"},                             // 53
	{Name: "server"},                                  // 54
	{Name: "set-cookie"},                              // 55
	{Name: "strict-transport-security"},               // 56
	{Name: "transfer-encoding"},                       // 57
	{Name: "user-agent"},                              // 58
	{Name: "vary"},                                    // 59
	{Name: "via"},                                     // 60
	{Name: "www-authenticate"},                        // 61
}

// staticName maps a name to its first index in the static table, and
// staticPair a name and value to theirs, for the Encoder.
var (
	staticName = map[string]uint64{}
	staticPair = map[[2]string]uint64{}
)

func init() {
	for i, f := range staticTable {
		if _, ok := staticName[f.Name]; !ok {
			staticName[f.Name] = uint64(i + 1)
		}
		if f.Value != "" {
			staticPair[[2]string{f.Name, f.Value}] = uint64(i + 1)
		}
	}
}
