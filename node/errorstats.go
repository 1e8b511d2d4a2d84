package node

import (
	"sort"
	"strings"
	"sync"
)

// maxErrorCodes mirrors ERROR_STATS_NUMBER: past this many distinct error
// codes Redis stops tracking new ones.
const maxErrorCodes = 128

// errorStats counts error replies by their code (the first word), for INFO
// errorstats (incrementErrorCount in server.c).
type errorStats struct {
	mu     sync.Mutex // guards counts
	counts map[string]int64
}

// count records one error reply whose text is msg ("ERR ...").
func (e *errorStats) count(msg string) {
	code, _, _ := strings.Cut(msg, " ")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts = make(map[string]int64)
	}
	if _, ok := e.counts[code]; !ok && len(e.counts) >= maxErrorCodes {
		return
	}
	e.counts[code]++
}

func (e *errorStats) reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts = nil
}

// sorted returns the codes and their counts in code order.
func (e *errorStats) sorted() ([]string, []int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	codes := make([]string, 0, len(e.counts))
	for c := range e.counts {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	counts := make([]int64, len(codes))
	for i, c := range codes {
		counts[i] = e.counts[c]
	}
	return codes, counts
}

func (st *infoState) errorstats(x *ctx, b *infoBuilder) {
	codes, counts := x.s.errors.sorted()
	for i, c := range codes {
		b.fieldf("errorstat_"+c, "count=%d", counts[i])
	}
}
