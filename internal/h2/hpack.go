package h2

import (
	"errors"
	"fmt"
	"strconv"
)

// A HeaderField is a name-value pair of a header list (RFC 7541, Section 1.3).
// Sensitive marks a field that must never be indexed by an intermediary
// (RFC 7541, Section 7.1.3), such as a short secret: the decoder sets it for
// the never-indexed literal representation, and the Encoder sends it so.
type HeaderField struct {
	Name, Value string
	Sensitive   bool
}

// Size returns the size of f as the dynamic table and
// SETTINGS_MAX_HEADER_LIST_SIZE count it: the lengths of name and value in
// bytes plus 32 (RFC 7541, Section 4.1; RFC 9113, Section 6.5.2).
func (f HeaderField) Size() uint32 {
	return uint32(len(f.Name)) + uint32(len(f.Value)) + 32
}

// String returns "name: value", with the value hidden for a sensitive field.
func (f HeaderField) String() string {
	if f.Sensitive {
		return f.Name + ": (sensitive, " + strconv.Itoa(len(f.Value)) + " bytes)"
	}
	return f.Name + ": " + f.Value
}

// ErrHeaderListTooLarge reports a decoded header list over the bound set
// with Decoder.SetMaxHeaderListSize. It is not a decoding error: the
// dynamic table stays in step with the peer's, so the caller may reset just
// the stream (RFC 9113, Section 10.5.1: a server may answer 431).
var ErrHeaderListTooLarge = errors.New("h2: header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE")

// hpackErr builds a decoding error: "A decoding error in a field block MUST
// be treated as a connection error ... of type COMPRESSION_ERROR."
// (RFC 9113, Section 4.3)
func hpackErr(section, reason string) *ConnError {
	return &ConnError{Code: ErrCodeCompression, Reason: reason + " (RFC 7541, Section " + section + ")"}
}

var (
	errIntTruncated    = hpackErr("5.1", "integer truncated at the end of the header block")
	errIntOverflow     = hpackErr("5.1", "integer above 2^32-1")
	errStrTruncated    = hpackErr("5.2", "string literal longer than the rest of the header block")
	errIndexZero       = hpackErr("6.1", "index 0 is not used")
	errSizeUpdateLate  = hpackErr("4.2", "dynamic table size update after a header field representation")
	errSizeUpdateLimit = hpackErr("6.3", "dynamic table size update above the SETTINGS_HEADER_TABLE_SIZE we advertised")
	errSizeUpdateMiss  = hpackErr("4.2", "no dynamic table size update at the start of the first block after SETTINGS_HEADER_TABLE_SIZE was lowered")
)

// A Decoder decodes the header blocks of one direction of a connection
// (RFC 7541, Section 3), keeping the dynamic table the peer's encoder builds
// (Section 2.3.2). Blocks must be decoded in the order they arrive, each
// whole (a HEADERS frame and its CONTINUATIONs joined), or the tables fall
// out of step. A Decoder is not safe for concurrent use.
type Decoder struct {
	limit   uint32 // SETTINGS_HEADER_TABLE_SIZE in force: the protocol limit
	table   dynamicTable
	maxList uint32 // SetMaxHeaderListSize; 0: no bound
	// mustUpdate: the limit went below the table's maximum, so the next
	// block must start with a size update (RFC 7541, Section 4.2).
	mustUpdate bool

	// Scratch buffers, reused: Huffman-decoded name and value, and the two
	// joined before their copy into one string.
	name, value, joined []byte
}

// NewDecoder returns a Decoder for a peer that may use a dynamic table of up
// to maxTableSize bytes, the SETTINGS_HEADER_TABLE_SIZE in force (RFC 9113,
// Section 6.5.2). That is 4096 at the start of a connection even if we
// advertise less: the peer may use the initial value until it has received
// our SETTINGS (Section 6.5.3), so lower the limit with SetMaxTableSize once
// the peer acknowledges them. The table starts at that size (RFC 7541,
// Section 4.2).
func NewDecoder(maxTableSize uint32) *Decoder {
	d := &Decoder{limit: maxTableSize}
	d.table.max = maxTableSize
	return d
}

// SetMaxTableSize sets the limit on the peer's dynamic table: the
// SETTINGS_HEADER_TABLE_SIZE we advertised, once the peer has acknowledged
// it. If the peer's table may now be larger than n, its encoder "MUST signal"
// the change, and the next header block must start with a dynamic table size
// update of at most n (RFC 7541, Section 4.2); a block without one is a
// decoding error.
func (d *Decoder) SetMaxTableSize(n uint32) {
	d.limit = n
	if d.table.max > n {
		d.mustUpdate = true
	}
}

// SetMaxHeaderListSize bounds the size of a decoded header list, the sum of
// Size over its fields (RFC 9113, Section 6.5.2, SETTINGS_MAX_HEADER_LIST_SIZE);
// 0 means no bound. Without a bound, a block of one-byte references to a
// large dynamic table entry expands about 4000 times; set one.
func (d *Decoder) SetMaxHeaderListSize(n uint32) { d.maxList = n }

// Decode decodes one whole header block and calls emit with each field, in
// order. The strings of a field stay valid after Decode returns.
//
// Decoding errors are *ConnError with ErrCodeCompression, naming the rule of
// RFC 7541 broken: a truncated or over-32-bit integer (Section 5.1), a
// string longer than the block or with bad Huffman coding (Section 5.2), an
// index 0 or past the tables (Sections 2.3.3, 6.1), a table size update not
// at the start of the block or above our limit (Sections 4.2, 6.3). After
// one the Decoder is out of step with the peer and the connection must end.
//
// If the list grows past SetMaxHeaderListSize, Decode stops calling emit and
// no longer copies the strings of literals, but still reads the rest of the
// block so the dynamic table stays in step; it then returns an error
// wrapping ErrHeaderListTooLarge. An error from emit stops decoding and is
// returned as is (the tables are then out of step).
func (d *Decoder) Decode(block []byte, emit func(HeaderField) error) error {
	var listSize uint64 // sum of Size over the fields so far
	over := false       // listSize went past the bound
	fieldSeen := false
	for len(block) > 0 {
		b := block[0]
		// "the encoder MUST signal the change in the dynamic table size" after
		// we lower our setting: a size update comes first (Section 4.2).
		if d.mustUpdate && b&0xe0 != 0x20 {
			return errSizeUpdateMiss
		}
		var (
			f    HeaderField
			size uint64 // f.Size() while the list is within bound; past it, skipped Huffman strings count their encoded length (the list is refused either way)
			err  error
		)
		switch {
		case b&0x80 != 0:
			// Indexed Header Field Representation: 1 + 7-bit index (Section 6.1).
			var idx uint64
			if idx, block, err = readInt(7, block); err != nil {
				return err
			}
			if f, err = d.at(idx); err != nil {
				return err
			}
			size = uint64(f.Size())
		case b&0xe0 == 0x20:
			// Dynamic Table Size Update: 001 + 5-bit size (Section 6.3).
			// "This dynamic table size update MUST occur at the beginning of
			// the first header block following the change" (Section 4.2)
			if fieldSeen {
				return errSizeUpdateLate
			}
			var n uint64
			if n, block, err = readInt(5, block); err != nil {
				return err
			}
			// "The new maximum size MUST be lower than or equal to the limit
			// determined by the protocol using HPACK." (Section 6.3)
			if n > uint64(d.limit) {
				return fmt.Errorf("%w: %d > %d", errSizeUpdateLimit, n, d.limit)
			}
			d.table.setMax(uint32(n))
			d.mustUpdate = false
			continue
		default:
			// Literal Header Field with Incremental Indexing: 01 + 6-bit name
			// index (Section 6.2.1); without Indexing: 0000 + 4-bit (6.2.2);
			// Never Indexed: 0001 + 4-bit (6.2.3). Index 0: a literal name.
			prefix, index := 4, b&0xc0 == 0x40
			if index {
				prefix = 6
			}
			f.Sensitive = b&0xf0 == 0x10
			// Past the bound, a field that does not enter the dynamic table is
			// only stepped over: no Huffman decoding, no copy.
			skip := over && !index
			var idx uint64
			if idx, block, err = readInt(prefix, block); err != nil {
				return err
			}
			var name, value []byte
			if idx > 0 {
				nf, err := d.at(idx)
				if err != nil {
					return err
				}
				f.Name = nf.Name
			} else if name, block, err = readString(block, &d.name, skip); err != nil {
				return err
			}
			if value, block, err = readString(block, &d.value, skip); err != nil {
				return err
			}
			size = uint64(len(f.Name)+len(name)+len(value)) + 32
			if index || !over && !d.exceeds(listSize+size) {
				// Copy the strings out of the block and scratch buffers, name
				// and value in one allocation.
				if idx > 0 {
					f.Value = string(value)
				} else {
					d.joined = append(append(d.joined[:0], name...), value...)
					nv := string(d.joined)
					f.Name, f.Value = nv[:len(name)], nv[len(name):]
				}
			}
			if index {
				d.table.add(HeaderField{Name: f.Name, Value: f.Value})
			}
		}
		fieldSeen = true
		listSize += size
		if !over && d.exceeds(listSize) {
			over = true
		}
		if !over {
			if err := emit(f); err != nil {
				return err
			}
		}
	}
	if d.mustUpdate {
		return errSizeUpdateMiss
	}
	if over {
		return fmt.Errorf("%w: over %d bytes", ErrHeaderListTooLarge, d.maxList)
	}
	return nil
}

// exceeds reports whether a list of n bytes is over the bound.
func (d *Decoder) exceeds(n uint64) bool { return d.maxList > 0 && n > uint64(d.maxList) }

// at returns the field at index i of the index address space: the static
// table, then the dynamic table, newest first (RFC 7541, Section 2.3.3).
func (d *Decoder) at(i uint64) (HeaderField, error) {
	if i == 0 {
		// "The index value of 0 is not used. It MUST be treated as a decoding
		// error if found in an indexed header field representation." (Section 6.1)
		return HeaderField{}, errIndexZero
	}
	if i <= uint64(len(staticTable)) {
		return staticTable[i-1], nil
	}
	i -= uint64(len(staticTable))
	if i > uint64(d.table.len()) {
		// "Indices strictly greater than the sum of the lengths of both tables
		// MUST be treated as a decoding error." (Section 2.3.3)
		return HeaderField{}, hpackErr("2.3.3", "index "+strconv.FormatUint(i+uint64(len(staticTable)), 10)+
			" past the static table and the "+strconv.Itoa(d.table.len())+" dynamic table entries")
	}
	return d.table.get(int(i)), nil
}

// readInt decodes an integer with an n-bit prefix at the start of b
// (RFC 7541, Section 5.1) and returns it with the rest of b. Values above
// 2^32-1 are refused: no length, index or size HTTP/2 uses is larger, and
// the bound keeps a run of continuation bytes from overflowing.
func readInt(n int, b []byte) (uint64, []byte, error) {
	mask := byte(1)<<n - 1
	v := uint64(b[0] & mask)
	b = b[1:]
	if v < uint64(mask) {
		return v, b, nil
	}
	for i, m := 0, uint(0); i < len(b); i, m = i+1, m+7 {
		if m > 28 {
			return 0, nil, errIntOverflow // a sixth continuation byte: over 35 bits
		}
		v += uint64(b[i]&0x7f) << m
		if v > 1<<32-1 {
			return 0, nil, errIntOverflow
		}
		if b[i]&0x80 == 0 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errIntTruncated
}

// readString decodes a string literal at the start of b (RFC 7541,
// Section 5.2): an H bit, a 7-bit-prefix length, and that many bytes, raw or
// Huffman-coded. It returns the string, which aliases b or, if Huffman-coded,
// *scratch (reused), and the rest of b. With skip, a Huffman-coded string is
// returned undecoded: the caller only steps over it.
func readString(b []byte, scratch *[]byte, skip bool) (s, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errStrTruncated
	}
	huffman := b[0]&0x80 != 0
	n, b, err := readInt(7, b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: %d bytes announced, %d left", errStrTruncated, n, len(b))
	}
	s, rest = b[:n], b[n:]
	if huffman && !skip {
		if *scratch, err = HuffmanDecode((*scratch)[:0], s); err != nil {
			return nil, nil, err
		}
		s = *scratch
	}
	return s, rest, nil
}

// A dynamicTable is the FIFO of RFC 7541, Section 2.3.2: new entries enter
// at index 1, the oldest are evicted to keep the sum of their sizes within
// max (Section 4). Entries live in ents[start:], oldest first; the slice is
// compacted when half of it is evicted, so every operation is amortized O(1).
type dynamicTable struct {
	ents  []HeaderField
	start int
	size  uint32 // sum of Size() over the entries (Section 4.1)
	max   uint32 // current maximum size (Section 4.2)
}

func (t *dynamicTable) len() int { return len(t.ents) - t.start }

// get returns entry i, 1 being the newest (Section 2.3.3).
func (t *dynamicTable) get(i int) HeaderField { return t.ents[len(t.ents)-i] }

// evictOldest drops the oldest entry (Section 4.4).
func (t *dynamicTable) evictOldest() {
	t.size -= t.ents[t.start].Size()
	t.ents[t.start] = HeaderField{} // release its strings
	t.start++
	if t.start == len(t.ents) {
		t.ents, t.start = t.ents[:0], 0
	} else if t.start > 16 && t.start > len(t.ents)/2 {
		n := copy(t.ents, t.ents[t.start:])
		clear(t.ents[n:])
		t.ents, t.start = t.ents[:n], 0
	}
}

// setMax changes the maximum size, evicting entries to fit (Section 4.3).
func (t *dynamicTable) setMax(n uint32) {
	t.max = n
	for t.size > t.max {
		t.evictOldest()
	}
}

// add inserts f as entry 1, evicting the oldest entries to make room
// (Section 4.4). "an attempt to add an entry larger than the maximum size
// causes the table to be emptied of all existing entries and results in an
// empty table."
func (t *dynamicTable) add(f HeaderField) {
	for t.len() > 0 && t.size+f.Size() > t.max {
		t.evictOldest()
	}
	if f.Size() > t.max {
		return
	}
	t.ents = append(t.ents, f)
	t.size += f.Size()
}

// An Encoder encodes header fields for a peer's Decoder (RFC 7541). It never
// inserts into the dynamic table: a field is sent as an index into the
// static table when its name and value are there (Section 6.1), else as a
// literal without indexing (Section 6.2.2), or never indexed when Sensitive
// (Section 6.2.3), with the name as a static table index when it is there.
// Strings are Huffman-coded when that is shorter (Section 5.2). So the
// Encoder keeps no state, the peer's SETTINGS_HEADER_TABLE_SIZE does not
// matter, and the zero value is ready to use. Names should be lower case
// (RFC 9113, Section 8.2.1); the Encoder sends them as given.
type Encoder struct{}

// AppendField appends the representation of f to dst.
func (e *Encoder) AppendField(dst []byte, f HeaderField) []byte {
	if !f.Sensitive {
		if i, ok := staticPair[[2]string{f.Name, f.Value}]; ok {
			return appendInt(dst, 7, 0x80, i) // Section 6.1
		}
	}
	first := byte(0x00) // 0000: without indexing (Section 6.2.2)
	if f.Sensitive {
		first = 0x10 // 0001: never indexed (Section 6.2.3)
	}
	if i, ok := staticName[f.Name]; ok {
		dst = appendInt(dst, 4, first, i)
	} else {
		dst = appendString(append(dst, first), f.Name)
	}
	return appendString(dst, f.Value)
}

// appendInt appends v with an n-bit prefix, the bits above the prefix in the
// first byte set to first (RFC 7541, Section 5.1).
func appendInt(dst []byte, n int, first byte, v uint64) []byte {
	max := uint64(1)<<n - 1
	if v < max {
		return append(dst, first|byte(v))
	}
	dst = append(dst, first|byte(max))
	v -= max
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// appendString appends a string literal (RFC 7541, Section 5.2), Huffman
// coded when that is shorter.
func appendString(dst []byte, s string) []byte {
	if n := HuffmanEncodedLen(s); n < len(s) {
		return AppendHuffman(appendInt(dst, 7, 0x80, uint64(n)), s)
	}
	return append(appendInt(dst, 7, 0, uint64(len(s))), s...)
}
