package hll

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
)

// addAll adds every element, failing the test on an error.
func addAll(t *testing.T, b []byte, sparseMax int64, elems ...string) ([]byte, bool) {
	t.Helper()
	changed := false
	for _, e := range elems {
		var c bool
		var err error
		if b, c, err = Add(b, []byte(e), sparseMax); err != nil {
			t.Fatalf("Add(%q): %v", e, err)
		}
		changed = changed || c
	}
	return b, changed
}

// count computes and caches the cardinality, as PFCOUNT does.
func count(t *testing.T, b []byte) uint64 {
	t.Helper()
	n, err := Count(b)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	SetCached(b, n)
	return n
}

func elements(prefix string, from, to int) []string {
	out := make([]string, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// TestBytesMatchRedis compares the bytes and counts with values taken from
// redis-server 7.0.15 (GET after PFADD and PFCOUNT).
func TestBytesMatchRedis(t *testing.T) {
	abc := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
	b, changed := addAll(t, New(), 3000, "a", "b", "c")
	if !changed || string(b) != abc {
		t.Fatalf("PFADD a b c: got %q (changed %v), want %q", b, changed, abc)
	}
	if n := count(t, b); n != 3 {
		t.Fatalf("PFCOUNT: got %d, want 3", n)
	}
	cached := "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ"
	if string(b) != cached {
		t.Fatalf("after PFCOUNT: got %q, want %q", b, cached)
	}

	for _, tc := range []struct {
		name      string
		batches   int
		sparseMax int64
		card      uint64
		enc       byte
		size      int
		sha       string
	}{
		{"sparse 1000", 1, 3000, 1005, Sparse, 1916, "f8dd3908a46ba608cba542dc8a2ee1479789e733e570507807110f59f70f9da2"},
		{"dense 10000", 10, 3000, 10003, Dense, DenseSize, "01706a9cee8d9e1cb69145d8eb1e01e3d80d08cbbd97c6b9e1ad167049a9a6c9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New()
			for i := 0; i < tc.batches; i++ {
				b, _ = addAll(t, b, tc.sparseMax, elements("el", i*1000+1, i*1000+1000)...)
			}
			InvalidateCache(b)
			if n := count(t, b); n != tc.card {
				t.Errorf("count: got %d, want %d", n, tc.card)
			}
			sum := sha256.Sum256(b)
			if Encoding(b) != tc.enc || len(b) != tc.size || hex.EncodeToString(sum[:]) != tc.sha {
				t.Errorf("got encoding %d, %d bytes, sha256 %x; want %d, %d, %s", Encoding(b), len(b), sum, tc.enc, tc.size, tc.sha)
			}
		})
	}
}

func TestSparseMaxZeroPromotesAtFirstChange(t *testing.T) {
	b, _ := addAll(t, New(), 0, "a", "b", "c")
	if Encoding(b) != Dense || len(b) != DenseSize {
		t.Fatalf("got encoding %d and %d bytes, want dense", Encoding(b), len(b))
	}
	if n := count(t, b); n != 3 {
		t.Fatalf("count: got %d, want 3", n)
	}
}

// TestSparseAndDenseAgree adds the same random elements to a sparse and a
// dense HLL and checks registers and counts stay equal, and that the sparse
// opcodes always cover exactly Registers registers.
func TestSparseAndDenseAgree(t *testing.T) {
	seed := uint64(20261122)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	sparse := New()
	dense, err := ToDense(New())
	if err != nil {
		t.Fatal(err)
	}
	var ele [6]byte
	for i := 1; i <= 4000; i++ {
		for j := range ele {
			ele[j] = byte(rng.Uint32())
		}
		var c1, c2 bool
		sparse, c1, _ = Add(sparse, ele[:], 1<<20)
		dense, c2, _ = Add(dense, ele[:], 1<<20)
		if c1 != c2 {
			t.Fatalf("element %d: sparse changed %v, dense %v", i, c1, c2)
		}
		if i%500 != 0 {
			continue
		}
		sc, err := Count(sparse)
		if err != nil {
			t.Fatalf("element %d: sparse invalid: %v", i, err)
		}
		if dc, _ := Count(dense); sc != dc {
			t.Fatalf("element %d: sparse counts %d, dense %d", i, sc, dc)
		}
		conv, err := ToDense(sparse)
		if err != nil {
			t.Fatal(err)
		}
		if string(conv[HeaderSize:]) != string(dense[HeaderSize:]) {
			t.Fatalf("element %d: sparse registers differ from dense", i)
		}
	}
}

func TestMergeTakesRegisterMaximum(t *testing.T) {
	a, _ := addAll(t, New(), 3000, elements("a", 1, 300)...)
	b, _ := addAll(t, New(), 0, elements("b", 1, 300)...)
	both, _ := addAll(t, New(), 0, append(elements("a", 1, 300), elements("b", 1, 300)...)...)
	var max [Registers]uint8
	for _, h := range [][]byte{a, b} {
		if err := Merge(&max, h); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := Count(both)
	if got := CountRegisters(&max); got != want {
		t.Fatalf("union counts %d, want %d", got, want)
	}
}

func TestCorruptedSparseIsInvalid(t *testing.T) {
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, tc := range []struct {
		name string
		body string
	}{
		{"no opcodes", ""},
		{"too few registers", "\x7f\xfe"},
		{"too many registers", "\x7f\xff\x7f\xff"},
		{"truncated XZERO", "\x7f"},
		{"VAL past the end", "\x7f\xfc\xfc\xfc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(hdr + tc.body)
			if !Valid(b) {
				t.Fatal("header rejected")
			}
			if _, err := Count(b); err != ErrInvalid {
				t.Errorf("Count: got %v, want ErrInvalid", err)
			}
			var max [Registers]uint8
			if err := Merge(&max, b); err != ErrInvalid {
				t.Errorf("Merge: got %v, want ErrInvalid", err)
			}
			if _, err := ToDense(b); err != ErrInvalid {
				t.Errorf("ToDense: got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestValid(t *testing.T) {
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty sparse", New(), true},
		{"dense", dense, true},
		{"dense one byte long", append(append([]byte(nil), dense...), 0), false},
		{"dense one byte short", dense[:DenseSize-1], false},
		{"header only", []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), true},
		{"short", []byte("HYLL\x01"), false},
		{"bad magic", []byte("HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"), false},
		{"bad encoding", []byte("HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"), false},
	} {
		if got := Valid(tc.b); got != tc.want {
			t.Errorf("%s: Valid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDecode(t *testing.T) {
	b, _ := addAll(t, New(), 3000, "a", "b", "c")
	want := "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603" // PFDEBUG DECODE in redis-server 7.0.15
	if got := Decode(b); got != want {
		t.Fatalf("Decode: got %q, want %q", got, want)
	}
}

func TestMurmurHash64A(t *testing.T) {
	// Lengths 0 to 17 cover every tail length and the 8-byte blocks.
	seen := map[uint64]bool{}
	key := []byte("abcdefghijklmnopq")
	for n := 0; n <= len(key); n++ {
		h := MurmurHash64A(key[:n], hashSeed)
		if seen[h] {
			t.Fatalf("hash of %d bytes repeats", n)
		}
		seen[h] = true
	}
}

func TestSelfTestPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("ten million additions")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if msg := SelfTest(3000, rng.Uint64); msg != "" {
		t.Fatal(msg)
	}
}

func TestSparseSetOfValueAbove32PromotesToDense(t *testing.T) {
	b, changed, err := Set(New(), 5, 40, 3000)
	if err != nil || !changed {
		t.Fatalf("Set: changed %v, err %v", changed, err)
	}
	if Encoding(b) != Dense || Register(b, 5) != 40 || Register(b, 4) != 0 || Register(b, 6) != 0 {
		t.Fatalf("got encoding %d, registers 4..6 = %d %d %d; want dense 0 40 0",
			Encoding(b), Register(b, 4), Register(b, 5), Register(b, 6))
	}
	// The promote path of hllSparseSet copies the header and leaves the
	// cache alone; PFADD invalidates it afterwards.
	if card, valid := Cached(b); card != 0 || !valid {
		t.Fatalf("cache after promotion: %d valid %v, want the copied 0, valid", card, valid)
	}
}
