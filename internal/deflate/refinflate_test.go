package deflate

import "github.com/rfc6455/ws/internal/deflate/deflatetest"

// refInflate decodes a message with the reference decoder of package
// deflatetest (written from RFC 1951, sharing no code with Reader) and
// returns Reader's error variable for the rule it reports, so the two can
// be compared exactly. It also proves that the Writer honours the window.
func refInflate(in []byte, window int) ([]byte, error) {
	return refInflateHist(in, nil, window, -1)
}

// refInflateHist is refInflate after hist, the output of earlier messages
// with context takeover, and with a limit on the output (limit < 0: none).
func refInflateHist(in, hist []byte, window int, limit int64) ([]byte, error) {
	out, err := deflatetest.Inflate(in, hist, window, int(limit))
	if err == nil {
		return out, nil
	}
	return out, refErrors[err]
}

var refErrors = map[error]error{
	deflatetest.ErrTruncated:      errTruncated,
	deflatetest.ErrBlockType:      errBlockType,
	deflatetest.ErrStoredLen:      errStoredLen,
	deflatetest.ErrTooManyCodes:   errTooManyCodes,
	deflatetest.ErrOversubscribed: errCodeOversubscribed,
	deflatetest.ErrIncomplete:     errCodeIncomplete,
	deflatetest.ErrRepeatFirst:    errRepeatFirst,
	deflatetest.ErrLensOverrun:    errLensOverrun,
	deflatetest.ErrNoEndOfBlock:   errNoEndOfBlock,
	deflatetest.ErrBadSymbol:      errBadSymbol,
	deflatetest.ErrBadDistSymbol:  errBadDistSymbol,
	deflatetest.ErrDistance:       errDistance,
	deflatetest.ErrTrailer:        errTrailer,
	deflatetest.ErrLimit:          ErrTooLarge,
}
