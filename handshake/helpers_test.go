package handshake

import (
	"crypto/sha1"
	"encoding/base64"
)

// AcceptKeySlow is the Section 4.2.2 recipe written as plainly as possible,
// the reference for AcceptKey.
func AcceptKeySlow(key string) string {
	h := sha1.New()
	h.Write([]byte(key + GUID))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
