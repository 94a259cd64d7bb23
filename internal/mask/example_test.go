package mask_test

import (
	"fmt"

	"github.com/rfc6455/ws/internal/mask"
)

// The masked "Hello" of RFC 6455, Section 5.7, unmasked in two pieces: the
// offset returned by the first call carries the key position to the second.
func ExampleXOR() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	p := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	pos := mask.XOR(key, p[:3], 0)
	mask.XOR(key, p[3:], pos)
	fmt.Printf("%s\n", p)
	// Output: Hello
}
