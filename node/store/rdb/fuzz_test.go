package rdb

import (
	"encoding/hex"
	"testing"
)

// FuzzDecodePayload feeds arbitrary payloads to DecodePayload: it must never
// panic, and whatever it accepts must survive an encode and decode with its
// value unchanged. With fixFooter the input's last ten bytes are replaced by
// a valid version and CRC64, so mutations reach the value decoders instead
// of stopping at the checksum.
func FuzzDecodePayload(f *testing.F) {
	for _, tc := range redisPayloads {
		p, err := hex.DecodeString(tc.hex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p, false)
		f.Add(p, true)
		f.Add(EncodePayload(&tc.want, Options{ListMaxListpackSize: 2}), true)
	}
	f.Fuzz(func(t *testing.T, p []byte, fixFooter bool) {
		if fixFooter && len(p) >= footerSize {
			p = frame(p[:len(p)-footerSize])
		}
		v, err := DecodePayload(p)
		if err != nil {
			return
		}
		again, err := DecodePayload(EncodePayload(v, DefaultOptions()))
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", describe(v), err)
		}
		v.Legacy = false
		if a, b := describe(again), describe(v); a != b {
			t.Fatalf("re-encoding changed the value:\n%s\nwant\n%s", a, b)
		}
	})
}
