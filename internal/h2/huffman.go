package h2

// The Huffman code of RFC 7541, Appendix B, used for string literals
// (Section 5.2). It is a canonical code: the codes of one length are
// consecutive numbers in symbol order, and the first code of each length is
// the code after the last of the shorter length, shifted left to the new
// length. So the table below, the symbols of each code length, is all the
// data needed; init derives every code from it, and the tests check the
// result against codes printed in Appendix B.

// eos is the end-of-string symbol (RFC 7541, Appendix B, symbol 256): 30
// one bits. It never appears in an encoded string; its prefix is padding.
const eos = 256

// huffmanBySize lists the symbols of each code length in bits, in symbol
// order (RFC 7541, Appendix B, sorted by its "len in bits" column).
var huffmanBySize = [...]struct {
	bits uint8
	syms []uint16
}{
	{5, []uint16{
		'0', '1', '2', 'a', 'c', 'e', 'i', 'o', 's', 't',
	}},
	{6, []uint16{
		' ', '%', '-', '.', '/', '3', '4', '5', '6', '7', '8', '9', '=', 'A',
		'_', 'b', 'd', 'f', 'g', 'h', 'l', 'm', 'n', 'p', 'r', 'u',
	}},
	{7, []uint16{
		':', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N',
		'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'Y', 'j', 'k', 'q', 'v',
		'w', 'x', 'y', 'z',
	}},
	{8, []uint16{
		'&', '*', ',', ';', 'X', 'Z',
	}},
	{10, []uint16{
		'!', '"', '(', ')', '?',
	}},
	{11, []uint16{
		'\'', '+', '|',
	}},
	{12, []uint16{
		'#', '>',
	}},
	{13, []uint16{
		0, '$', '@', '[', ']', '~',
	}},
	{14, []uint16{
		'^', '}',
	}},
	{15, []uint16{
		'<', '`', '{',
	}},
	{19, []uint16{
		'\\', 195, 208,
	}},
	{20, []uint16{
		128, 130, 131, 162, 184, 194, 224, 226,
	}},
	{21, []uint16{
		153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230,
	}},
	{22, []uint16{
		129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173,
		178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233,
	}},
	{23, []uint16{
		1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155,
		157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231,
		239,
	}},
	{24, []uint16{
		9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237,
	}},
	{25, []uint16{
		199, 207, 234, 235,
	}},
	{26, []uint16{
		192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243,
		255,
	}},
	{27, []uint16{
		203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248,
		250, 251, 252, 253, 254,
	}},
	{28, []uint16{
		2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
		25, 26, 27, 28, 29, 30, 31, 127, 220, 249,
	}},
	{30, []uint16{
		10, 13, 22, eos,
	}},
}

var (
	huffmanCode [257]uint32 // code of each symbol, right-aligned
	huffmanLen  [257]uint8  // its length in bits, 5 to 30

	// huffmanStates is the decoder's state table. A state is an internal
	// node of the code tree (256 of them for 257 leaves; 0 is the root),
	// and huffmanStates[s][x] says where 4 more bits x lead from s.
	huffmanStates [256][16]huffmanStep
	// huffmanOnes[s] is the depth of node s if the path to it from the root
	// is all one bits (root: 0), or -1: the test for valid padding.
	huffmanOnes [256]int8
)

// A huffmanStep is one transition of the decoder: the next state and, when
// the 4 bits complete a code, its symbol. No step can complete two codes,
// since the shortest code has 5 bits.
type huffmanStep struct {
	next  uint8
	sym   uint8
	flags uint8 // stepEmit, stepEOS
}

const (
	stepEmit = 1 << iota // the step completes the code of sym
	stepEOS              // the step completes the EOS code: a decoding error
)

func init() {
	// Assign the canonical codes.
	code, prev, n := uint32(0), uint8(0), 0
	for _, g := range huffmanBySize {
		code <<= g.bits - prev
		prev = g.bits
		for _, s := range g.syms {
			huffmanCode[s], huffmanLen[s] = code, g.bits
			code++
			n++
		}
	}
	if n != 257 || code != 1<<30 {
		panic("h2: Huffman table is not a complete code of 257 symbols")
	}

	// Build the code tree: child[node][bit] is an internal node, or a leaf
	// coded as -1-symbol. Node 0 is the root; a zero child is unset (the
	// root is nobody's child).
	var child [256][2]int16
	nodes := 1
	for s := range 257 {
		node := 0
		for i := int(huffmanLen[s]) - 1; i >= 0; i-- {
			bit := huffmanCode[s] >> uint(i) & 1
			if i == 0 {
				child[node][bit] = int16(-1 - s)
				break
			}
			if child[node][bit] == 0 {
				child[node][bit] = int16(nodes)
				nodes++
			}
			node = int(child[node][bit])
		}
	}

	// Mark the all-ones path: padding is a prefix of EOS (Section 5.2).
	for i := range huffmanOnes {
		huffmanOnes[i] = -1
	}
	for node, depth := 0, int8(0); node > 0 || depth == 0; depth++ {
		huffmanOnes[node] = depth
		node = int(child[node][1]) // negative once the EOS leaf is reached
	}

	// Walk every state with every 4-bit input.
	for s := range nodes {
		for x := range 16 {
			step := huffmanStep{}
			node := s
			for i := 3; i >= 0; i-- {
				c := child[node][x>>uint(i)&1]
				if c >= 0 {
					node = int(c)
					continue
				}
				sym := -1 - int(c)
				if sym == eos {
					step.flags |= stepEOS
					break
				}
				step.flags |= stepEmit
				step.sym = byte(sym)
				node = 0
			}
			step.next = uint8(node)
			huffmanStates[s][x] = step
		}
	}
}

// HuffmanEncodedLen returns the length in bytes of the Huffman encoding of s
// (RFC 7541, Section 5.2), padding included.
func HuffmanEncodedLen(s string) int {
	bits := 0
	for i := 0; i < len(s); i++ {
		bits += int(huffmanLen[s[i]])
	}
	return (bits + 7) / 8
}

// AppendHuffman appends the Huffman encoding of s to dst (RFC 7541,
// Section 5.2): the codes of its bytes, padded to a byte boundary with the
// most significant bits of EOS (one bits).
func AppendHuffman(dst []byte, s string) []byte {
	var acc uint64 // pending bits, the last n of them not yet written
	n := uint(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		acc = acc<<huffmanLen[c] | uint64(huffmanCode[c])
		n += uint(huffmanLen[c])
		for n >= 8 {
			n -= 8
			dst = append(dst, byte(acc>>n))
		}
	}
	if n > 0 {
		// "the most significant bits of the code corresponding to the EOS
		// symbol" pad the string (Section 5.2)
		dst = append(dst, byte(acc<<(8-n))|byte(0xff>>n))
	}
	return dst
}

// HuffmanDecode appends the decoding of the Huffman-coded src to dst
// (RFC 7541, Section 5.2). Decoding errors, which RFC 9113, Section 4.3
// makes connection errors of type COMPRESSION_ERROR, are *ConnError: a code
// for EOS in the string, padding longer than 7 bits, or padding that is not
// a prefix of EOS (all ones). dst grows by at most 8/5 of len(src).
func HuffmanDecode(dst []byte, src []byte) ([]byte, error) {
	s := uint8(0)
	for _, b := range src {
		step := huffmanStates[s][b>>4]
		if step.flags != 0 {
			if step.flags&stepEOS != 0 {
				return dst, errHuffmanEOS
			}
			dst = append(dst, step.sym)
		}
		step = huffmanStates[step.next][b&0xf]
		if step.flags != 0 {
			if step.flags&stepEOS != 0 {
				return dst, errHuffmanEOS
			}
			dst = append(dst, step.sym)
		}
		s = step.next
	}
	switch d := huffmanOnes[s]; {
	case d < 0:
		// "A padding not corresponding to the most significant bits of the
		// code for the EOS symbol MUST be treated as a decoding error."
		return dst, errHuffmanPadding
	case d > 7:
		// "A padding strictly longer than 7 bits MUST be treated as a decoding
		// error." (Section 5.2)
		return dst, errHuffmanLongPadding
	}
	return dst, nil
}

// The Huffman decoding errors (RFC 7541, Section 5.2).
var (
	errHuffmanEOS         = hpackErr("5.2", "Huffman-coded string contains the EOS symbol")
	errHuffmanPadding     = hpackErr("5.2", "Huffman padding is not a prefix of the EOS code (all ones)")
	errHuffmanLongPadding = hpackErr("5.2", "Huffman padding is longer than 7 bits")
)
