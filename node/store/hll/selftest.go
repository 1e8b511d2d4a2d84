package hll

import (
	"encoding/binary"
	"fmt"
	"math"
)

// selfTestCycles is HLL_TEST_CYCLES.
const selfTestCycles = 1000

// SelfTest is PFSELFTEST: it checks that every dense register keeps the
// value written to it without disturbing its neighbours, then adds ten
// million distinct elements to a dense and a sparse HLL side by side and
// checks, at each power of ten, that the sparse one is still sparse while
// small, that both agree, and that the estimate is within six standard
// errors. rnd supplies the randomness. It returns "" on success, or the
// TESTFAILED text Redis replies.
func SelfTest(sparseMax int64, rnd func() uint64) string {
	dense := make([]byte, DenseSize)
	regs := dense[HeaderSize:]
	var want [Registers]uint8
	for j := 0; j < selfTestCycles; j++ {
		for i := range want {
			want[i] = uint8(rnd() & registerMax)
			denseSetRegister(regs, i, want[i])
		}
		for i, v := range want {
			if got := denseGet(regs, i); got != v {
				return fmt.Sprintf("TESTFAILED Register %d should be %d but is %d", i, v, got)
			}
		}
	}

	clear(regs)
	sparse := New()
	relerr := 1.04 / math.Sqrt(Registers)
	checkpoint := int64(1)
	seed := rnd()
	var ele [8]byte
	for j := int64(1); j <= 10_000_000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := patLen(ele[:])
		denseSet(regs, index, count)
		sparse, _, _ = Set(sparse, index, count, sparseMax)
		if j != checkpoint {
			continue
		}
		if j < sparseMax/2 && sparse[4] != Sparse {
			return "TESTFAILED sparse encoding not used"
		}
		dc, _ := Count(dense)
		if sc, _ := Count(sparse); dc != sc {
			return "TESTFAILED dense/sparse disagree"
		}
		abserr := checkpoint - int64(dc)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			return fmt.Sprintf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, abserr)
		}
		checkpoint *= 10
	}
	return ""
}
