package utf8x_test

import (
	"fmt"

	"github.com/rfc6455/ws/internal/utf8x"
)

// A text message arrives in two frames that split "é" (C3 A9) between them;
// then a message whose second byte already rules it out (Section 8.1).
func ExampleValidator() {
	var v utf8x.Validator
	fmt.Println(v.Feed([]byte("caf\xc3")), v.Done())
	fmt.Println(v.Feed([]byte("\xa9!")), v.Done())

	v.Reset()
	fmt.Println(v.Feed([]byte("ok \xed\xa0\x80")), v.Done()) // a UTF-16 surrogate
	// Output:
	// -1 false
	// -1 true
	// 4 false
}
