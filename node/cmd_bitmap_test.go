package node

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand"
	"reflect"
	"testing"
)

// bitAt returns bit i of p, counting from the most significant bit of p[0].
func bitAt(p []byte, i int64) int {
	return int(p[i>>3]>>(7-i&7)) & 1
}

// naiveBitpos is BITPOS by its documented meaning, bit by bit: the first
// bit equal to bit in the bit range lo..hi; failing that -1, except that a
// search for a zero without an explicit end finds the first bit after the
// range, as if the string were padded with zeros.
func naiveBitpos(p []byte, lo, hi int64, bit int, endGiven bool) int64 {
	for i := lo; i <= hi; i++ {
		if bitAt(p, i) == bit {
			return i
		}
	}
	if bit == 0 && !endGiven {
		return hi + 1
	}
	return -1
}

func TestBitposRangeMatchesBitByBitSearch(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	t.Logf("seed 1")
	for iter := 0; iter < 20000; iter++ {
		p := make([]byte, 1+rng.Intn(20))
		for i := range p {
			switch rng.Intn(3) {
			case 0:
				p[i] = 0
			case 1:
				p[i] = 0xff
			default:
				p[i] = byte(rng.Intn(256))
			}
		}
		isBit := rng.Intn(2) == 0
		n := int64(len(p))
		if isBit {
			n *= 8
		}
		start, end := rng.Int63n(2*n+6)-n-3, rng.Int63n(2*n+6)-n-3
		bit := rng.Intn(2)
		endGiven := isBit || rng.Intn(2) == 0
		lo, hi, first, last, ok := bitRange(start, end, int64(len(p)), isBit)
		var want int64 = -1
		// Recompute the clamped bit range independently of bitRange.
		s, e := start, end
		if s < 0 {
			s += n
		}
		if e < 0 {
			e += n
		}
		s, e = max(s, 0), min(max(e, 0), n-1)
		if s <= e {
			if !isBit {
				s, e = s*8, e*8+7
			}
			want = naiveBitpos(p, s, e, bit, endGiven)
		}
		var got int64 = -1
		if ok {
			got = bitposRange(p, lo, hi, first, last, bit, endGiven)
		}
		if got != want {
			t.Fatalf("p=%x start=%d end=%d isBit=%v bit=%d endGiven=%v: got %d, want %d",
				p, start, end, isBit, bit, endGiven, got, want)
		}
		if ok {
			count := popcount(p[lo:hi+1]) - int64(bits.OnesCount8(p[lo]&first)+bits.OnesCount8(p[hi]&last))
			var wantCount int64
			for i := s; i <= e; i++ {
				wantCount += int64(bitAt(p, i))
			}
			if count != wantCount {
				t.Fatalf("p=%x start=%d end=%d isBit=%v: count %d, want %d", p, start, end, isBit, count, wantCount)
			}
		}
	}
}

func TestBitRangeEdgeMasks(t *testing.T) {
	lo, hi, first, last, ok := bitRange(5, 30, 6, true)
	if !ok || lo != 0 || hi != 3 || first != 0xf8 || last != 0x01 {
		t.Fatalf("bitRange(5,30,bits) = %d %d %#x %#x %v, want 0 3 0xf8 0x1 true", lo, hi, first, last, ok)
	}
	if _, _, first, last, _ = bitRange(8, 15, 6, true); first != 0 || last != 0 {
		t.Fatalf("byte-aligned bit range has masks %#x %#x, want none", first, last)
	}
}

// exactBitfield computes value+incr stored in a bits-bit field exactly:
// whether it overflows, and what WRAP and SAT store.
func exactBitfield(value, incr *big.Int, width int, signed bool) (overflow bool, wrap, sat *big.Int) {
	sum := new(big.Int).Add(value, incr)
	one := big.NewInt(1)
	lo, hi := new(big.Int), new(big.Int).Sub(new(big.Int).Lsh(one, uint(width)), one)
	if signed {
		lo = new(big.Int).Neg(new(big.Int).Lsh(one, uint(width-1)))
		hi = new(big.Int).Sub(new(big.Int).Lsh(one, uint(width-1)), one)
	}
	mod := new(big.Int).Lsh(one, uint(width))
	wrap = new(big.Int).Mod(sum, mod)
	if signed && wrap.Cmp(hi) > 0 {
		wrap.Sub(wrap, mod)
	}
	switch {
	case sum.Cmp(hi) > 0:
		return true, wrap, hi
	case sum.Cmp(lo) < 0:
		return true, wrap, lo
	}
	return false, sum, sum
}

func TestBitfieldOverflowMatchesExactArithmetic(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	t.Logf("seed 2")
	randIncr := func() int64 {
		switch rng.Intn(4) {
		case 0:
			return rng.Int63n(600) - 300
		case 1:
			return math.MinInt64 + rng.Int63n(3)
		case 2:
			return math.MaxInt64 - rng.Int63n(3)
		}
		return int64(rng.Uint64())
	}
	for iter := 0; iter < 50000; iter++ {
		signed := rng.Intn(2) == 0
		width := 1 + rng.Intn(63)
		if signed {
			width = 1 + rng.Intn(64)
		}
		incr := randIncr()
		if signed {
			v := int64(rng.Uint64())
			if width < 64 {
				v = v >> (64 - width) // any value of the field
			}
			over, wrap, sat := exactBitfield(big.NewInt(v), big.NewInt(incr), width, true)
			o1, w := checkSignedBitfieldOverflow(v, incr, width, bfWrap)
			o2, s := checkSignedBitfieldOverflow(v, incr, width, bfSat)
			if (o1 != 0) != over || (o2 != 0) != over || (over && (w != wrap.Int64() || s != sat.Int64())) {
				t.Fatalf("i%d %d%+d: overflow %d/%d wrap %d sat %d, want %v %v %v", width, v, incr, o1, o2, w, s, over, wrap, sat)
			}
			continue
		}
		v := rng.Uint64() >> (64 - width)
		over, wrap, sat := exactBitfield(new(big.Int).SetUint64(v), big.NewInt(incr), width, false)
		o1, w := checkUnsignedBitfieldOverflow(v, incr, width, bfWrap)
		o2, s := checkUnsignedBitfieldOverflow(v, incr, width, bfSat)
		if (o1 != 0) != over || (o2 != 0) != over || (over && (w != wrap.Uint64() || s != sat.Uint64())) {
			t.Fatalf("u%d %d%+d: overflow %d/%d wrap %d sat %d, want %v %v %v", width, v, incr, o1, o2, w, s, over, wrap, sat)
		}
	}
}

func TestBitfieldGetAndSetRoundTrip(t *testing.T) {
	p := make([]byte, 10)
	setUnsignedBitfield(p, 7, 5, 23)
	if p[0] != 0x01 || p[1] != 0x70 {
		t.Fatalf("u5 23 at offset 7 gave %08b %08b, want 00000001 01110000", p[0], p[1])
	}
	if got := getUnsignedBitfield(p, 7, 5); got != 23 {
		t.Fatalf("read back %d, want 23", got)
	}
	setUnsignedBitfield(p, 3, 64, uint64(1<<63|5))
	if got := getSignedBitfield(p, 3, 64); got != math.MinInt64+5 {
		t.Fatalf("i64 read back %d, want %d", got, int64(math.MinInt64+5))
	}
	setUnsignedBitfield(p, 0, 4, 0xf)
	if got := getSignedBitfield(p, 0, 4); got != -1 {
		t.Fatalf("i4 1111 reads %d, want -1", got)
	}
}

func TestBitWritesPropagateOnlyChanges(t *testing.T) {
	_, rec, c := startClockedServer(t)
	steps := []struct {
		cmd  []string
		recs []string
	}{
		{[]string{"SETBIT", "b", "0", "1"}, []string{"0 SETBIT b 0 1"}},
		{[]string{"SETBIT", "b", "0", "1"}, nil},
		{[]string{"SETBIT", "b", "0", "0"}, []string{"0 SETBIT b 0 0"}},
		{[]string{"SETBIT", "b", "20", "0"}, []string{"0 SETBIT b 20 0"}},
		{[]string{"BITFIELD", "c", "SET", "u8", "0", "0"}, []string{"0 BITFIELD c SET u8 0 0"}},
		{[]string{"BITFIELD", "c", "SET", "u8", "0", "0"}, nil},
		{[]string{"BITFIELD", "c", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "7"}, nil},
		{[]string{"BITFIELD", "c", "GET", "u8", "0"}, nil},
		{[]string{"BITFIELD", "c", "INCRBY", "u8", "0", "1"}, []string{"0 BITFIELD c INCRBY u8 0 1"}},
		{[]string{"BITOP", "AND", "d", "nokey"}, nil},
		{[]string{"BITOP", "OR", "d", "b"}, []string{"0 BITOP OR d b"}},
		{[]string{"BITOP", "AND", "d", "nokey"}, []string{"0 BITOP AND d nokey"}},
	}
	for _, st := range steps {
		c.do(st.cmd...)
		if got := rec.take(); !reflect.DeepEqual(got, st.recs) {
			t.Fatalf("%v propagated %q, want %q", st.cmd, got, st.recs)
		}
	}
}

func TestBitCommandsReplyWrongTypeOnOtherTypes(t *testing.T) {
	s, _, c := startClockedServer(t)
	putList(s, "l")
	const wrongType = "-" + errWrongType
	for _, cmd := range [][]string{
		{"SETBIT", "l", "0", "1"}, {"GETBIT", "l", "0"}, {"BITCOUNT", "l"}, {"BITPOS", "l", "1"},
		{"BITOP", "AND", "d", "l"}, {"BITFIELD", "l", "GET", "u8", "0"}, {"BITFIELD_RO", "l", "GET", "u8", "0"},
	} {
		c.expect(wrongType, cmd...)
	}
	c.expect("-"+errBitfieldRO, "BITFIELD_RO", "l", "SET", "u8", "0", "1")
	if got := peek(s, "l"); got == nil || got.Encoding() != "unknown" {
		t.Fatalf("the list was replaced: %+v", got)
	}
}

func TestBitmapWritesMakeRawStrings(t *testing.T) {
	s, _, c := startClockedServer(t)
	c.expect("+OK", "SET", "a", "1")
	c.expect("*[:49]", "BITFIELD", "a", "GET", "u8", "0")
	if enc := peek(s, "a").Encoding(); enc != "int" {
		t.Fatalf("BITFIELD GET changed the encoding to %s, want int", enc)
	}
	// An unchanged bit still converts the value, as dbUnshareStringValue does.
	c.expect(":1", "SETBIT", "a", "7", "1")
	c.expect(":1", "BITOP", "NOT", "n", "a")
	for _, k := range []string{"a", "n"} {
		if enc := peek(s, k).Encoding(); enc != "raw" {
			t.Fatalf("%s has encoding %s, want raw", k, enc)
		}
	}
}
