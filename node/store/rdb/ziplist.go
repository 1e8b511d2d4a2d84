package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Ziplist layout (ziplist.c), which Redis 7.0 still loads from older
// payloads: 4-byte total size, 4-byte offset of the last entry, 2-byte
// count, the entries, and an end byte. Each entry holds the previous
// entry's size (1 byte, or 0xfe and 4 bytes), an encoding and its data.
const (
	zipHeaderSize = 10
	zipEnd        = 0xff
	zipBigPrevLen = 0xfe
)

// decodeZiplist validates a ziplist as ziplistValidateIntegrity does with
// deep checking and returns its entries, integers in decimal form.
func decodeZiplist(zl []byte) ([][]byte, error) {
	bad := func(why string) error { return fmt.Errorf("%w: ziplist %s", ErrBadFormat, why) }
	if len(zl) < zipHeaderSize+1 {
		return nil, bad("too short")
	}
	if uint64(binary.LittleEndian.Uint32(zl)) != uint64(len(zl)) {
		return nil, bad("size mismatch")
	}
	if zl[len(zl)-1] != zipEnd {
		return nil, bad("without end byte")
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	count := int(binary.LittleEndian.Uint16(zl[8:]))
	out := make([][]byte, 0, min(len(zl)/2, count))
	prevSize, lastStart := 0, zipHeaderSize
	p := zipHeaderSize
	for p < len(zl)-1 {
		start := p
		var prev int
		if zl[p] < zipBigPrevLen {
			prev = int(zl[p])
			p++
		} else {
			if zl[p] != zipBigPrevLen || p+5 > len(zl) {
				return nil, bad("bad previous length")
			}
			prev = int(binary.LittleEndian.Uint32(zl[p+1:]))
			p += 5
		}
		if prev != prevSize {
			return nil, bad("previous length mismatch")
		}
		v, n, err := zipEntryValue(zl[p : len(zl)-1])
		if err != nil {
			return nil, err
		}
		p += n
		out = append(out, v)
		prevSize = p - start
		lastStart = start
	}
	if tail != lastStart {
		return nil, bad("tail offset mismatch")
	}
	if count != 0xffff && count != len(out) {
		return nil, bad("count mismatch")
	}
	return out, nil
}

// zipEntryValue decodes an entry's encoding and data at the start of p.
func zipEntryValue(p []byte) (val []byte, n int, err error) {
	short := fmt.Errorf("%w: truncated ziplist entry", ErrBadFormat)
	if len(p) == 0 {
		return nil, 0, short
	}
	c := p[0]
	var l, hdr int
	switch c >> 6 {
	case 0:
		l, hdr = int(c&0x3f), 1
	case 1:
		if len(p) < 2 {
			return nil, 0, short
		}
		l, hdr = int(c&0x3f)<<8|int(p[1]), 2
	case 2:
		if c != 0x80 || len(p) < 5 {
			return nil, 0, short
		}
		l, hdr = int(binary.BigEndian.Uint32(p[1:])), 5
	}
	if c>>6 != 3 {
		if l < 0 || len(p)-hdr < l {
			return nil, 0, short
		}
		return append([]byte(nil), p[hdr:hdr+l]...), hdr + l, nil
	}
	var v int64
	switch {
	case c == 0xc0 && len(p) >= 3:
		v, n = int64(int16(binary.LittleEndian.Uint16(p[1:]))), 3
	case c == 0xd0 && len(p) >= 5:
		v, n = int64(int32(binary.LittleEndian.Uint32(p[1:]))), 5
	case c == 0xe0 && len(p) >= 9:
		v, n = int64(binary.LittleEndian.Uint64(p[1:])), 9
	case c == 0xf0 && len(p) >= 4:
		u := uint32(p[1]) | uint32(p[2])<<8 | uint32(p[3])<<16
		v, n = int64(int32(u<<8)>>8), 4
	case c == 0xfe && len(p) >= 2:
		v, n = int64(int8(p[1])), 2
	case c >= 0xf1 && c <= 0xfd:
		v, n = int64(c&0x0f)-1, 1
	default:
		return nil, 0, fmt.Errorf("%w: ziplist entry encoding 0x%02x", ErrBadFormat, c)
	}
	return strconv.AppendInt(nil, v, 10), n, nil
}

// decodeZipmap validates a zipmap (zipmap.c, the hash encoding before
// Redis 2.6) and returns its fields and values alternately.
func decodeZipmap(zm []byte) ([][]byte, error) {
	bad := fmt.Errorf("%w: invalid zipmap", ErrBadFormat)
	if len(zm) < 2 {
		return nil, bad
	}
	var out [][]byte
	p := 1
	readLen := func() (int, bool) {
		if p >= len(zm) {
			return 0, false
		}
		if zm[p] < 254 {
			p++
			return int(zm[p-1]), true
		}
		if zm[p] != 254 || p+5 > len(zm) {
			return 0, false
		}
		l := int(binary.LittleEndian.Uint32(zm[p+1:]))
		p += 5
		return l, true
	}
	for p < len(zm) && zm[p] != 0xff {
		fl, ok := readLen()
		if !ok || fl > len(zm)-p {
			return nil, bad
		}
		field := append([]byte(nil), zm[p:p+fl]...)
		p += fl
		vl, ok := readLen()
		if !ok || p >= len(zm) {
			return nil, bad
		}
		free := int(zm[p])
		p++
		if vl > len(zm)-p || free > len(zm)-p-vl {
			return nil, bad
		}
		out = append(out, field, append([]byte(nil), zm[p:p+vl]...))
		p += vl + free
	}
	if p != len(zm)-1 {
		return nil, bad
	}
	if n := int(zm[0]); n < 254 && n != len(out)/2 {
		return nil, bad
	}
	return out, nil
}
