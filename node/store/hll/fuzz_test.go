package hll

import "testing"

// FuzzHLLDecode feeds arbitrary bytes, behind a valid header, to every
// reader and writer of the representation: none may panic, and a sparse
// value they accept must stay consistent.
func FuzzHLLDecode(f *testing.F) {
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), []byte("a"), uint16(3000))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"), []byte("b"), uint16(0))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfc\xfc\xfc\x00"), []byte(""), uint16(20))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x00\x80\x7f\xfd"), []byte("x"), uint16(3000))
	f.Fuzz(func(t *testing.T, body, ele []byte, sparseMax uint16) {
		b := append([]byte("HYLL"), body...)
		if !Valid(b) {
			return
		}
		// Like Redis, Merge stops at a VAL run past the last register and
		// may accept what Count rejects; where both accept, they agree.
		n, cerr := Count(b)
		var max [Registers]uint8
		merr := Merge(&max, b)
		if cerr == nil && merr == nil && CountRegisters(&max) != n {
			t.Fatalf("Count %d, union of one %d", n, CountRegisters(&max))
		}
		_ = Decode(b)
		if d, err := ToDense(append([]byte(nil), b...)); err == nil {
			for i := 0; i < Registers; i += 97 {
				_ = Register(d, i)
			}
		}
		out, _, err := Add(append([]byte(nil), b...), ele, int64(sparseMax))
		if err == nil && cerr == nil {
			if !Valid(out) {
				t.Fatalf("Add made an invalid HLL from a valid one")
			}
			if _, err := Count(out); err != nil {
				t.Fatalf("Add corrupted a valid HLL: %v", err)
			}
		}
		for i := 0; i < Registers; i += 1021 {
			_, _, _ = Set(append([]byte(nil), b...), i, uint8(i%64), int64(sparseMax))
		}
	})
}
