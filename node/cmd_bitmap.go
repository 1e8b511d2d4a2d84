package node

import (
	"math/bits"

	"github.com/slotd/slotd/node/store"
)

// bitmapCommands are the commands of bitops.c.
func bitmapCommands() []cmdDef {
	return []cmdDef{
		{name: "setbit", handler: cmdSetBit},
		{name: "getbit", handler: cmdGetBit},
		{name: "bitcount", handler: cmdBitCount},
		{name: "bitpos", handler: cmdBitPos},
		{name: "bitop", handler: cmdBitOp},
		{name: "bitfield", handler: func(x *ctx) { bitfieldGeneric(x, false) }},
		{name: "bitfield_ro", handler: func(x *ctx) { bitfieldGeneric(x, true) }},
	}
}

// bitOffset parses a bit offset, mirroring getBitOffsetFromArgument in
// bitops.c: with hash, "#n" means n*bits; the offset must address a byte
// below proto-max-bulk-len.
func (x *ctx) bitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	v, ok := store.ParseInt(arg)
	if ok && useHash {
		v *= int64(width)
	}
	if !ok || v < 0 || v>>3 >= x.s.config().ProtoMaxBulkLen {
		x.err(errBitOffset)
		return 0, false
	}
	return uint64(v), true
}

// stringForBitWrite returns the string at key, created or zero-padded so
// that bit maxBit exists, and whether its length changed
// (lookupStringForBitCommand in bitops.c). It returns nil after replying
// WRONGTYPE.
func (x *ctx) stringForBitWrite(key string, maxBit uint64) (*store.Object, bool) {
	n := int(maxBit>>3) + 1
	o := x.lookupWrite(key)
	if o == nil {
		o = &store.Object{Type: store.TypeString, Raw: true, LRU: store.LRUClock(x.now), Str: make([]byte, n)}
		x.db.Set(key, o, false, x.now)
		return o, true
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return nil, false
	}
	unshare(o)
	old := len(o.Str)
	o.Str = growZero(o.Str, n)
	return o, len(o.Str) != old
}

// cmdSetBit mirrors setbitCommand: it replies the old bit, and only a write
// that grows the string or flips the bit counts as a modification.
func cmdSetBit(x *ctx) {
	off, ok := x.bitOffset(x.argv[2], false, 0)
	if !ok {
		return
	}
	on, ok := store.ParseInt(x.argv[3])
	if !ok || on&^1 != 0 {
		x.err(errBitValue)
		return
	}
	key := x.key(1)
	o, grew := x.stringForBitWrite(key, off)
	if o == nil {
		return
	}
	i, mask := off>>3, byte(1)<<(7-off&7)
	old := o.Str[i]&mask != 0
	if grew || old != (on == 1) {
		if on == 1 {
			o.Str[i] |= mask
		} else {
			o.Str[i] &^= mask
		}
		x.db.Touched(key)
		x.propagateArgv()
	}
	if old {
		x.w.int(1)
	} else {
		x.w.int(0)
	}
}

func cmdGetBit(x *ctx) {
	off, ok := x.bitOffset(x.argv[2], false, 0)
	if !ok {
		return
	}
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.int(0)
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	if i := off >> 3; i < uint64(len(o.Str)) && o.Str[i]&(1<<(7-off&7)) != 0 {
		x.w.int(1)
	} else {
		x.w.int(0)
	}
}

// bitRange converts BITCOUNT/BITPOS start and end, in bytes or in bits, of
// a string of n bytes into a byte range and the masks of the bits outside
// the range in its first and last bytes, as bitcountCommand and
// bitposCommand do. ok is false for an empty range.
func bitRange(start, end, n int64, isBit bool) (lo, hi int64, firstMask, lastMask byte, ok bool) {
	total := n
	if isBit {
		total <<= 3
	}
	start, end = clampIndexes(start, end, total)
	if isBit && start <= end {
		firstMask = ^byte(1<<(8-start&7) - 1)
		lastMask = byte(1<<(7-end&7) - 1)
		start >>= 3
		end >>= 3
	}
	if start > end {
		return 0, 0, 0, 0, false
	}
	return start, end, firstMask, lastMask, true
}

// cmdBitCount mirrors bitcountCommand of Redis 7.0, which looks the key up
// before parsing the range: a missing key counts 0 whatever follows.
func cmdBitCount(x *ctx) {
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.int(0)
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	p := o.Str
	var lo, hi int64
	var firstMask, lastMask byte
	ok := true
	switch len(x.argv) {
	case 4, 5:
		start, ok1 := x.intArg(2)
		if !ok1 {
			return
		}
		end, ok1 := x.intArg(3)
		if !ok1 {
			return
		}
		if start < 0 && end < 0 && start > end {
			x.w.int(0)
			return
		}
		isBit, ok1 := x.bitUnit(4)
		if !ok1 {
			return
		}
		lo, hi, firstMask, lastMask, ok = bitRange(start, end, int64(len(p)), isBit)
	case 2:
		lo, hi = 0, int64(len(p))-1
		ok = len(p) > 0
	default:
		x.err(errSyntax)
		return
	}
	if !ok {
		x.w.int(0)
		return
	}
	count := popcount(p[lo : hi+1])
	count -= int64(bits.OnesCount8(p[lo]&firstMask) + bits.OnesCount8(p[hi]&lastMask))
	x.w.int(count)
}

// bitUnit parses the optional BYTE|BIT argument at i.
func (x *ctx) bitUnit(i int) (isBit, ok bool) {
	if i >= len(x.argv) {
		return false, true
	}
	switch {
	case optIs(x.argv[i], "BIT"):
		return true, true
	case optIs(x.argv[i], "BYTE"):
		return false, true
	}
	x.err(errSyntax)
	return false, false
}

// popcount counts the set bits of p (redisPopcount).
func popcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
			uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56)
		p = p[8:]
	}
	for _, c := range p {
		n += bits.OnesCount8(c)
	}
	return int64(n)
}

// bitpos returns the position of the first bit equal to bit in p; when there
// is none it returns -1 looking for a one, and len(p)*8 looking for a zero,
// as if p were padded with zeros (redisBitpos).
func bitpos(p []byte, bit int) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i, c := range p {
		if c != skip {
			if bit == 0 {
				c = ^c
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(c))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

// cmdBitPos mirrors bitposCommand of Redis 7.0, including its order of
// checks (a missing key answers before the range is parsed) and its rule
// that an explicit end stops the search for a zero at the range's end.
func cmdBitPos(x *ctx) {
	bit, ok := x.intArg(2)
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		x.err(errBitArg)
		return
	}
	o := x.lookupRead(x.key(1))
	if o == nil {
		if bit == 1 {
			x.w.int(-1)
		} else {
			x.w.int(0)
		}
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	p := o.Str
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	inRange := true
	switch len(x.argv) {
	case 4, 5, 6:
		if start, ok = x.intArg(3); !ok {
			return
		}
		isBit := false
		if len(x.argv) == 6 {
			if isBit, ok = x.bitUnit(5); !ok {
				return
			}
		}
		if len(x.argv) >= 5 {
			if end, ok = x.intArg(4); !ok {
				return
			}
			endGiven = true
		} else {
			end = int64(len(p)) - 1
		}
		start, end, firstMask, lastMask, inRange = bitRange(start, end, int64(len(p)), isBit)
	case 3:
		start, end = 0, int64(len(p))-1
		inRange = len(p) > 0
	default:
		x.err(errSyntax)
		return
	}
	if !inRange {
		x.w.int(-1)
		return
	}
	x.w.int(bitposRange(p, start, end, firstMask, lastMask, int(bit), endGiven))
}

// bitposRange is the search of bitposCommand over bytes start..end of p,
// ignoring the bits set in the edge masks.
func bitposRange(p []byte, start, end int64, firstMask, lastMask byte, bit int, endGiven bool) int64 {
	bytes := end - start + 1
	var pos int64
	masked := func(c, mask byte) byte {
		if bit == 1 {
			return c &^ mask
		}
		return c | mask
	}
	result := func() int64 {
		if endGiven && bit == 0 && pos == bytes<<3 {
			return -1
		}
		if pos != -1 {
			pos += start << 3
		}
		return pos
	}
	if firstMask != 0 {
		c := masked(p[start], firstMask)
		if lastMask != 0 && bytes == 1 {
			c = masked(c, lastMask)
		}
		pos = bitpos([]byte{c}, bit)
		if bytes == 1 || (pos != -1 && pos != 8) {
			return result()
		}
		start++
		bytes--
	}
	cur := bytes
	if lastMask != 0 {
		cur--
	}
	if cur > 0 {
		pos = bitpos(p[start:start+cur], bit)
		if bytes == cur || (pos != -1 && pos != cur<<3) {
			return result()
		}
		start += cur
		bytes -= cur
	}
	pos = bitpos([]byte{masked(p[end], lastMask)}, bit)
	return result()
}

// cmdBitOp mirrors bitopCommand: missing keys are empty strings, shorter
// ones are zero-padded, and an empty result deletes the destination.
func cmdBitOp(x *ctx) {
	op := x.argv[1]
	var kind byte
	switch {
	case optIs(op, "AND"):
		kind = '&'
	case optIs(op, "OR"):
		kind = '|'
	case optIs(op, "XOR"):
		kind = '^'
	case optIs(op, "NOT"):
		kind = '~'
	default:
		x.err(errSyntax)
		return
	}
	if kind == '~' && len(x.argv) != 4 {
		x.err(errBitopNot)
		return
	}
	srcs := make([][]byte, 0, len(x.argv)-3)
	maxLen := 0
	for _, k := range x.argv[3:] {
		o := x.lookupRead(string(k))
		if o == nil {
			srcs = append(srcs, nil)
			continue
		}
		if o.Type != store.TypeString {
			x.wrongType()
			return
		}
		srcs = append(srcs, o.Str)
		maxLen = max(maxLen, len(o.Str))
	}
	dest := x.key(2)
	if maxLen == 0 {
		if x.db.Delete(dest, x.now) {
			x.propagateArgv()
		}
		x.w.int(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	for _, s := range srcs[1:] {
		switch kind {
		case '&':
			for j, c := range s {
				res[j] &= c
			}
			clear(res[len(s):])
		case '|':
			for j, c := range s {
				res[j] |= c
			}
		case '^':
			for j, c := range s {
				res[j] ^= c
			}
		}
	}
	if kind == '~' {
		for j := range res {
			res[j] = ^res[j]
		}
	}
	x.db.Set(dest, &store.Object{Type: store.TypeString, Raw: true, LRU: store.LRUClock(x.now), Str: res}, false, x.now)
	x.w.int(int64(maxLen))
	x.propagateArgv()
}

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD command.
type bitfieldOp struct {
	offset uint64
	value  int64
	op     byte // 'g', 's' or 'i'
	owtype int
	bits   int
	signed bool
}

// bitfieldType parses a type such as i16 or u8 (getBitfieldTypeFromArgument).
func (x *ctx) bitfieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) > 0 && (arg[0] == 'i' || arg[0] == 'u') {
		signed = arg[0] == 'i'
		// The width is read as a C string, up to a NUL byte.
		w := arg[1:]
		for i, c := range w {
			if c == 0 {
				w = w[:i]
				break
			}
		}
		n, ok := store.ParseInt(w)
		if ok && n >= 1 && (signed && n <= 64 || !signed && n <= 63) {
			return signed, int(n), true
		}
	}
	x.err(errBitfieldType)
	return false, 0, false
}

// bitfieldGeneric mirrors bitfieldGeneric in bitops.c for BITFIELD and
// BITFIELD_RO: every operation is parsed before any runs, and only writes
// that grow the string or change a value count as modifications.
func bitfieldGeneric(x *ctx, readOnly bool) {
	var ops []bitfieldOp
	owtype := bfWrap
	onlyGets := true
	var highest uint64
	for j := 2; j < len(x.argv); j++ {
		rem := len(x.argv) - j - 1
		sub := x.argv[j]
		var op byte
		switch {
		case optIs(sub, "GET") && rem >= 2:
			op = 'g'
		case optIs(sub, "SET") && rem >= 3:
			op = 's'
		case optIs(sub, "INCRBY") && rem >= 3:
			op = 'i'
		case optIs(sub, "OVERFLOW") && rem >= 1:
			j++
			switch t := x.argv[j]; {
			case optIs(t, "WRAP"):
				owtype = bfWrap
			case optIs(t, "SAT"):
				owtype = bfSat
			case optIs(t, "FAIL"):
				owtype = bfFail
			default:
				x.err(errBitfieldOver)
				return
			}
			continue
		default:
			x.err(errSyntax)
			return
		}
		signed, width, ok := x.bitfieldType(x.argv[j+1])
		if !ok {
			return
		}
		off, ok := x.bitOffset(x.argv[j+2], true, width)
		if !ok {
			return
		}
		var v int64
		if op != 'g' {
			onlyGets = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = x.intArg(j + 3); !ok {
				return
			}
			j += 3
		} else {
			j += 2
		}
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, owtype: owtype, bits: width, signed: signed})
	}

	key := x.key(1)
	var o *store.Object
	grew := false
	if onlyGets {
		if o = x.lookupRead(key); o != nil && o.Type != store.TypeString {
			x.wrongType()
			return
		}
	} else {
		if readOnly {
			x.err(errBitfieldRO)
			return
		}
		if o, grew = x.stringForBitWrite(key, highest); o == nil {
			return
		}
	}

	x.w.array(len(ops))
	changes := 0
	for _, op := range ops {
		if op.op == 'g' {
			x.w.int(bitfieldGet(o, op))
			continue
		}
		if applied, changed := bitfieldWrite(x.w, o.Str, op); applied && (changed || grew) {
			changes++
		}
	}
	if changes > 0 {
		x.db.Touched(key)
		x.propagateArgv()
	}
}

// bitfieldGet reads a field of o, which may be nil, as zero-padded.
func bitfieldGet(o *store.Object, op bitfieldOp) int64 {
	var buf [9]byte
	i := op.offset >> 3
	if o != nil && i < uint64(len(o.Str)) {
		copy(buf[:], o.Str[i:])
	}
	off := op.offset - i*8
	if op.signed {
		return getSignedBitfield(buf[:], off, op.bits)
	}
	return int64(getUnsignedBitfield(buf[:], off, op.bits))
}

// bitfieldWrite runs a SET or INCRBY on p, replying the old value (SET), the
// new one (INCRBY), or null when OVERFLOW FAIL refuses it. It reports whether
// the write was applied and whether it changed the stored value.
func bitfieldWrite(w *reply, p []byte, op bitfieldOp) (applied, changed bool) {
	if op.signed {
		old := getSignedBitfield(p, op.offset, op.bits)
		var nv, ret int64
		var overflow int
		if op.op == 'i' {
			var wrapped int64
			overflow, wrapped = checkSignedBitfieldOverflow(old, op.value, op.bits, op.owtype)
			nv = old + op.value
			if overflow != 0 {
				nv = wrapped
			}
			ret = nv
		} else {
			var wrapped int64
			nv = op.value
			if overflow, wrapped = checkSignedBitfieldOverflow(nv, 0, op.bits, op.owtype); overflow != 0 {
				nv = wrapped
			}
			ret = old
		}
		if overflow != 0 && op.owtype == bfFail {
			w.null()
			return false, false
		}
		w.int(ret)
		setUnsignedBitfield(p, op.offset, op.bits, uint64(nv))
		return true, old != nv
	}
	old := getUnsignedBitfield(p, op.offset, op.bits)
	var nv, ret uint64
	var overflow int
	if op.op == 'i' {
		var wrapped uint64
		nv = old + uint64(op.value)
		if overflow, wrapped = checkUnsignedBitfieldOverflow(old, op.value, op.bits, op.owtype); overflow != 0 {
			nv = wrapped
		}
		ret = nv
	} else {
		var wrapped uint64
		nv = uint64(op.value)
		if overflow, wrapped = checkUnsignedBitfieldOverflow(nv, 0, op.bits, op.owtype); overflow != 0 {
			nv = wrapped
		}
		ret = old
	}
	if overflow != 0 && op.owtype == bfFail {
		w.null()
		return false, false
	}
	w.int(int64(ret))
	setUnsignedBitfield(p, op.offset, op.bits, nv)
	return true, old != nv
}
