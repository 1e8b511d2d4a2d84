package hll

import "errors"

// ErrInvalid reports a corrupted HLL: a sparse representation whose opcodes
// do not cover exactly Registers registers (Redis's invalid_hll_err,
// "INVALIDOBJ Corrupted HLL object detected").
var ErrInvalid = errors.New("hll: corrupted HLL object")
