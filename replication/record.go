package replication

import "strconv"

// Record is one propagated write: a command, already made deterministic
// (relative TTLs made absolute, random picks made explicit), and the database
// it applies to.
type Record struct {
	DB   int
	Argv [][]byte
}

// AppendRESP appends the record's command in RESP multibulk form, which is
// its form on the replication stream and in the AOF.
func (r Record) AppendRESP(dst []byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(r.Argv)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range r.Argv {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// Propagator consumes records. Propagate is called with the slot locks of the
// record's keys held, so it must not block; Argv is valid only during the
// call, so an implementation that keeps it must copy it.
type Propagator interface {
	Propagate(Record)
}
