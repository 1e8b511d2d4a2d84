package store

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
)

func TestSetIntsetConvertsOnNonIntegerAndOverflow(t *testing.T) {
	s := NewSetFor([]byte("1"))
	for _, m := range []string{"3", "1", "-2", "2"} {
		s.Add([]byte(m), 4)
	}
	if s.Encoding() != "intset" || !slices.Equal(s.Ints(), []int64{-2, 1, 2, 3}) {
		t.Fatalf("got %s %v, want intset [-2 1 2 3]", s.Encoding(), s.Ints())
	}
	s.Add([]byte("4"), 4)
	if s.Encoding() != "hashtable" || s.Len() != 5 {
		t.Fatalf("fifth integer over set-max-intset-entries 4: got %s len %d, want hashtable 5", s.Encoding(), s.Len())
	}
	for _, m := range []string{"-2", "1", "2", "3", "4"} {
		if !s.Has([]byte(m)) {
			t.Fatalf("member %s lost in the conversion", m)
		}
	}
	// Removing members never converts back.
	s.Remove([]byte("4"))
	if s.Encoding() != "hashtable" {
		t.Fatal("hashtable converted back to intset")
	}

	for _, m := range []string{"01", "+1", " 1", "1.0", "-0", "9223372036854775808"} {
		s := NewSetFor([]byte("7"))
		s.Add([]byte("7"), 512)
		if !s.Add([]byte(m), 512) || s.Encoding() != "hashtable" {
			t.Fatalf("%q is not a string2ll integer: want hashtable, got %s", m, s.Encoding())
		}
	}
	if NewSetFor([]byte("x")).Encoding() != "hashtable" || NewSetFor([]byte("-9223372036854775808")).Encoding() != "intset" {
		t.Fatal("setTypeCreate picked the wrong encoding")
	}
	if s := NewIntset(); !s.AddInt(1, 0) || s.Encoding() != "hashtable" {
		t.Fatal("set-max-intset-entries 0 must convert on the first member")
	}
}

// TestSetMatchesModel drives random adds and removes on both encodings and
// checks membership, size and the dense member views against a map.
func TestSetMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int64{0, 64, 1 << 20} {
		s := NewIntset()
		model := map[string]bool{}
		for i := 0; i < 20000; i++ {
			var m string
			if r.IntN(10) == 0 {
				m = "m" + strconv.Itoa(r.IntN(300))
			} else {
				m = strconv.Itoa(r.IntN(600) - 300)
			}
			switch r.IntN(3) {
			case 0, 1:
				if got := s.Add([]byte(m), limit); got == model[m] {
					t.Fatalf("Add(%s) = %v with member present %v", m, got, model[m])
				}
				model[m] = true
			default:
				if got := s.RemoveString(m); got != model[m] {
					t.Fatalf("Remove(%s) = %v with member present %v", m, got, model[m])
				}
				delete(model, m)
			}
			if s.Len() != len(model) {
				t.Fatalf("Len = %d, model has %d", s.Len(), len(model))
			}
		}
		seen := map[string]bool{}
		s.ForEachMember(func(m []byte) { seen[string(m)] = true })
		if len(seen) != len(model) {
			t.Fatalf("ForEachMember saw %d members, want %d", len(seen), len(model))
		}
		for m := range model {
			if !seen[m] || !s.HasString(m) {
				t.Fatalf("member %s missing", m)
			}
		}
	}
}

func TestSetRemoveAtKeepsTableConsistent(t *testing.T) {
	s := NewSetFor([]byte("a"))
	for i := 0; i < 1000; i++ {
		s.Add([]byte("k"+strconv.Itoa(i)), 512)
	}
	for s.Len() > 0 {
		i := s.RandomIndex()
		m := s.Strings()[i]
		s.RemoveAt(i)
		if s.HasString(m) {
			t.Fatalf("%s still present after RemoveAt", m)
		}
		for _, other := range s.Strings() {
			if !s.HasString(other) {
				t.Fatalf("%s unreachable after removing %s", other, m)
			}
		}
	}
	if n := len(s.table.buckets); n != 4 {
		t.Fatalf("empty table kept %d buckets, want the minimum 4", n)
	}
}

// TestSetScanReturnsEveryStableMember checks dictScan's guarantee: a member
// present for the whole scan is returned, even when the table grows or
// shrinks between calls.
func TestSetScanReturnsEveryStableMember(t *testing.T) {
	for _, phase := range []string{"grow", "shrink"} {
		s := NewSetFor([]byte("a"))
		stable := map[string]bool{}
		for i := 0; i < 500; i++ {
			m := "s" + strconv.Itoa(i)
			s.Add([]byte(m), 512)
			stable[m] = true
		}
		var extra []string
		if phase == "shrink" {
			for i := 0; i < 20000; i++ {
				m := "x" + strconv.Itoa(i)
				s.Add([]byte(m), 512)
				extra = append(extra, m)
			}
		}
		seen := map[string]bool{}
		cursor, calls := uint64(0), 0
		for {
			cursor = s.Scan(cursor, 10, func(int64) { t.Fatal("int from a hashtable") }, func(m string) { seen[m] = true })
			calls++
			switch {
			case phase == "grow" && calls == 3:
				for i := 0; i < 5000; i++ {
					s.Add([]byte("g"+strconv.Itoa(i)), 512)
				}
			case phase == "shrink" && calls == 3:
				for _, m := range extra {
					s.RemoveString(m)
				}
			}
			if cursor == 0 {
				break
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("%s: scan missed %s", phase, m)
			}
		}
	}
	s := NewSetFor([]byte("1"))
	s.Add([]byte("1"), 512)
	s.Add([]byte("2"), 512)
	var got []int64
	if c := s.Scan(99, 1, func(n int64) { got = append(got, n) }, nil); c != 0 || len(got) != 2 {
		t.Fatalf("intset scan: cursor %d members %v, want 0 and both", c, got)
	}
}

func TestSetDupIsDeep(t *testing.T) {
	for _, first := range []string{"1", "a"} {
		s := NewSetFor([]byte(first))
		s.Add([]byte(first), 512)
		s.Add([]byte("2"), 512)
		d := s.Dup().(*Set)
		d.Add([]byte("3"), 512)
		s.Remove([]byte("2"))
		if d.Encoding() != s.Encoding() || d.Len() != 3 || s.Len() != 1 || !d.Has([]byte("2")) {
			t.Fatalf("dup shares state: orig %d members, dup %d", s.Len(), d.Len())
		}
	}
}

// TestSetMemoryUsageMatchesRedis compares with values MEMORY USAGE reports
// on Redis 7.0 (minus the key's robj, dictEntry and sds, which the caller
// adds).
func TestSetMemoryUsageMatchesRedis(t *testing.T) {
	s := NewIntset()
	for _, n := range []int64{5, -3, 100000, 2, 9, -70000, 5000000000, 0} {
		s.AddInt(n, 512)
	}
	// Redis: 128 = 16 robj + 80 intset + 24 dictEntry + 8 key sds.
	if got := s.MemoryUsage(5); got != 80 {
		t.Fatalf("intset usage %d, want 80", got)
	}
	h := NewSetFor([]byte("a"))
	for _, m := range []string{"a", "b", "c"} {
		h.Add([]byte(m), 512)
	}
	// 56 dict + 4 slots*8 + 3*(24 entry + 8 sds) = 184.
	if got := h.MemoryUsage(5); got != 184 {
		t.Fatalf("hashtable usage %d, want 184", got)
	}
}

func BenchmarkSetAddHashtable(b *testing.B) {
	members := make([][]byte, 1<<16)
	for i := range members {
		members[i] = []byte("element:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	s := NewSetFor(members[0])
	for i := 0; i < b.N; i++ {
		m := members[i&(len(members)-1)]
		if !s.Add(m, 512) {
			s.Remove(m)
		}
	}
}

func BenchmarkSetHas(b *testing.B) {
	s := NewSetFor([]byte("a"))
	members := make([][]byte, 1<<16)
	for i := range members {
		members[i] = []byte("element:" + strconv.Itoa(i))
		s.Add(members[i], 512)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Has(members[i&(len(members)-1)])
	}
}

// scanTarget adapts a Hash, Set or ZSet to the paging test.
type scanTarget struct {
	name string
	add  func(m string)
	del  func(m string)
	scan func(cursor uint64, count int, fn func(m string)) uint64
	enc  func() string
}

func scanTargets() []scanTarget {
	h := NewHash()
	s := NewSetFor([]byte("x"))
	z := NewZSet(false)
	return []scanTarget{
		{
			name: "hash",
			add:  func(m string) { h.Set([]byte(m), []byte("v"), 128, 64) },
			del:  func(m string) { h.Delete([]byte(m)) },
			scan: func(c uint64, n int, fn func(string)) uint64 {
				return h.Scan(c, n, func(f, _ string) { fn(f) })
			},
			enc: h.Encoding,
		},
		{
			name: "set",
			add:  func(m string) { s.AddString(m, 512) },
			del:  func(m string) { s.RemoveString(m) },
			scan: func(c uint64, n int, fn func(string)) uint64 {
				return s.Scan(c, n, func(int64) {}, fn)
			},
			enc: s.Encoding,
		},
		{
			name: "zset",
			add: func(m string) {
				if _, ok := z.Score([]byte(m)); !ok {
					z.Insert(m, float64(len(m)%5))
				}
			},
			del: func(m string) { z.Delete([]byte(m)) },
			scan: func(c uint64, n int, fn func(string)) uint64 {
				return z.Scan(c, n, func(m string, _ float64) { fn(m) })
			},
			enc: z.Encoding,
		},
	}
}

// TestDictScanReturnsStableMembersWhileAnotherGoroutineWrites scans
// 100,000 members with COUNT 10 while another goroutine adds and deletes
// other members, with the lock taken per call as the slot lock is per
// command. The writer grows the table past a resize (131072 to 262144
// buckets) and back, so the cursor crosses tables of different sizes.
func TestDictScanReturnsStableMembersWhileAnotherGoroutineWrites(t *testing.T) {
	const stable, churn = 100000, 40000
	for _, tg := range scanTargets() {
		t.Run(tg.name, func(t *testing.T) {
			t.Parallel()
			for i := 0; i < stable; i++ {
				tg.add("s" + strconv.Itoa(i))
			}
			// The writer does one step of 100 writes per page the scanner
			// asks for, so it neither starves the scan nor falls behind.
			var mu sync.Mutex
			steps := make(chan struct{}, 4)
			done := make(chan int)
			go func() {
				cycles, i, adding := 0, 0, true
				for range steps {
					mu.Lock()
					for j := i; j < i+100; j++ {
						if adding {
							tg.add("x" + strconv.Itoa(j))
						} else {
							tg.del("x" + strconv.Itoa(j))
						}
					}
					mu.Unlock()
					if i += 100; i >= churn {
						i, adding = 0, !adding
						if adding {
							cycles++
						}
					}
				}
				done <- cycles
			}()
			seen := make(map[string]bool, stable)
			calls, returned := 0, 0
			cursor := uint64(0)
			for {
				mu.Lock()
				cursor = tg.scan(cursor, 10, func(m string) {
					returned++
					seen[m] = true
				})
				mu.Unlock()
				calls++
				if cursor == 0 {
					break
				}
				steps <- struct{}{}
			}
			close(steps)
			cycles := <-done
			if cycles == 0 {
				t.Fatalf("the writer finished no grow-and-shrink cycle in %d pages", calls)
			}
			if tg.enc() == "listpack" || tg.enc() == "intset" {
				t.Fatalf("encoding %s, want a hash table", tg.enc())
			}
			for i := 0; i < stable; i++ {
				if !seen["s"+strconv.Itoa(i)] {
					t.Fatalf("member s%d present for the whole scan was never returned (%d writer cycles)", i, cycles)
				}
			}
			if avg := float64(returned) / float64(calls); avg > 40 {
				t.Fatalf("COUNT 10: %d calls returned %d members (%.1f per call), want about 10", calls, returned, avg)
			}
			t.Logf("%d calls, %d members returned, %d full writer cycles", calls, returned, cycles)
		})
	}
}

// TestDictScanReturnsStableMembersAcrossShrink deletes most of a table
// between two pages, which shrinks it (htNeedsResize below 10% fill), and
// grows it again later: the members present throughout are still all seen.
func TestDictScanReturnsStableMembersAcrossShrink(t *testing.T) {
	for _, tg := range scanTargets() {
		t.Run(tg.name, func(t *testing.T) {
			for i := 0; i < 1000; i++ {
				tg.add("s" + strconv.Itoa(i))
			}
			for i := 0; i < 50000; i++ {
				tg.add("x" + strconv.Itoa(i))
			}
			seen := map[string]bool{}
			record := func(m string) { seen[m] = true }
			cursor := uint64(0)
			for page := 0; ; page++ {
				cursor = tg.scan(cursor, 10, record)
				if cursor == 0 {
					break
				}
				switch page {
				case 500:
					for i := 0; i < 50000; i++ {
						tg.del("x" + strconv.Itoa(i))
					}
				case 502:
					for i := 0; i < 50000; i++ {
						tg.add("y" + strconv.Itoa(i))
					}
				}
			}
			for i := 0; i < 1000; i++ {
				if !seen["s"+strconv.Itoa(i)] {
					t.Fatalf("member s%d present for the whole scan was never returned", i)
				}
			}
		})
	}
}

func TestDictScanSurvivesAnyCursor(t *testing.T) {
	for _, tg := range scanTargets() {
		t.Run(tg.name, func(t *testing.T) {
			for i := 0; i < 300; i++ {
				tg.add("m" + strconv.Itoa(i))
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < 1000; i++ {
				// A cursor from a bigger table, or any number a client
				// makes up, must page on without failing.
				c := rng.Uint64()
				for steps := 0; c != 0 && steps < 200; steps++ {
					c = tg.scan(c, 10, func(string) {})
				}
			}
			seen := map[string]bool{}
			for c := tg.scan(0, 10, func(m string) { seen[m] = true }); c != 0; {
				c = tg.scan(c, 10, func(m string) { seen[m] = true })
			}
			if len(seen) != 300 {
				t.Fatalf("full scan from 0 returned %d distinct members, want 300", len(seen))
			}
		})
	}
}
