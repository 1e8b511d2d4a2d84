package node

import (
	"bytes"
	"strings"
	"testing"
)

// globCorpus is the keyspace the expectations of globKeysCases were taken
// from: KEYS <pattern> on redis-server 7.0.15 with exactly these keys.
var globCorpus = []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}

// globKeysCases lists, for each pattern, the members of globCorpus that
// KEYS returned on redis-server 7.0.15 (stringmatchlen, case-sensitive).
var globKeysCases = []struct {
	pattern string
	matches []string
}{
	{"*", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}},
	{"**", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}},
	{"?", []string{"a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "*", "?", "\x00", "\xff"}},
	{"??", []string{"ab"}},
	{"h?llo", []string{"hello", "hallo", "hxllo", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo"}},
	{"h*llo", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo"}},
	{"h[ae]llo", []string{"hello", "hallo"}},
	{"h[^e]llo", []string{"hallo", "hxllo", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo"}},
	{"h[a-b]llo", []string{"hallo"}},
	{"h[b-a]llo", []string{"hallo"}},
	{"[a-c]", []string{"a", "b", "c"}},
	{"[c-a]", []string{"a", "b", "c"}},
	{"[^a]", []string{"b", "c", "d", "A", "-", "]", "[", "\\", "^", "*", "?", "\x00", "\xff"}},
	{"[^a-c]", []string{"d", "A", "-", "]", "[", "\\", "^", "*", "?", "\x00", "\xff"}},
	{"\\*", []string{"*"}},
	{"h\\*llo", []string{"h*llo"}},
	{"\\?", []string{"?"}},
	{"\\", []string{"\\"}},
	{"a\\", []string{}},
	{"[abc", []string{"a", "b", "c"}},
	{"[a-", []string{"a", "-"}},
	{"[^", []string{"a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "*", "?", "\x00", "\xff"}},
	{"[", []string{}},
	{"[]", []string{}},
	{"[]]", []string{}},
	{"[\\]]", []string{"]"}},
	{"h[\\]]llo", []string{"h]llo"}},
	{"[\\-]", []string{"-"}},
	{"[\\\\]", []string{"\\"}},
	{"h[\\\\]llo", []string{"h\\llo"}},
	{"[-a]", []string{"a", "-"}},
	{"[a-]", []string{"a", "]", "^"}},
	{"[!a]", []string{"a"}},
	{"[\\", []string{"\\"}},
	{"*o*o*", []string{"foo", "foobar"}},
	{"*b*", []string{"b", "ab", "abc", "foobar", "a\x00b", "aXbXc", "abcabc"}},
	{"a*b*c", []string{"abc", "aXbXc", "abcabc"}},
	{"*a*a*a", []string{"aaa"}},
	{"***", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}},
	{"*?", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}},
	{"?*", []string{"hello", "hallo", "hxllo", "hllo", "heeello", "Hello", "h*llo", "h]llo", "h\\llo", "h-llo", "h^llo", "a", "b", "c", "d", "A", "-", "]", "[", "\\", "^", "ab", "abc", "*", "?", "foo", "foobar", "\x00", "a\x00b", "\xff", "x\xffy", "aaa", "aXbXc", "abcabc"}},
	{"[a-c]*", []string{"a", "b", "c", "ab", "abc", "a\x00b", "aaa", "aXbXc", "abcabc"}},
	{"*[a-c]", []string{"a", "b", "c", "ab", "abc", "a\x00b", "aaa", "aXbXc", "abcabc"}},
	{"HELLO", []string{}},
	{"H*", []string{"Hello"}},
	{"[A-C]", []string{"A"}},
	{"a\x00b", []string{"a\x00b"}},
	{"a?b", []string{"a\x00b"}},
	{"[\x00]", []string{"\x00"}},
	{"x?y", []string{"x\xffy"}},
	{"x[\xf0-\xff]y", []string{"x\xffy"}},
	{"foo*bar", []string{"foobar"}},
	{"f*o", []string{"foo"}},
	{"[[]", []string{"["}},
	{"[^]]", []string{}},
	{"[a-c-e]", []string{"a", "b", "c", "-"}},
	{"h[a-eg-z]llo", []string{"hello", "hallo", "hxllo"}},
	{"abc*abc", []string{"abcabc"}},
	{"*\\", []string{"\\"}},
}

func TestGlobMatchAgreesWithRedisKeys(t *testing.T) {
	for _, tc := range globKeysCases {
		want := make(map[string]bool, len(tc.matches))
		for _, m := range tc.matches {
			want[m] = true
		}
		for _, s := range globCorpus {
			if got := globMatch([]byte(tc.pattern), []byte(s), false); got != want[s] {
				t.Errorf("globMatch(%q, %q) = %v, redis says %v", tc.pattern, s, got, want[s])
			}
		}
	}
}

// TestGlobMatchNocase covers the case-insensitive form used by CONFIG GET:
// literals and ranges fold case, an escaped byte inside a class does not.
func TestGlobMatchNocase(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"HELLO", "hello", true},
		{"h?LLO", "Hello", true},
		{"*MAXMEMORY*", "maxmemory-policy", true},
		{"[A-C]", "b", true},
		{"[a-c]", "B", true},
		{"[^A]", "a", false},
		{"[^A]", "b", true},
		{"[AE]", "e", true},
		{"[\\A]", "a", false},
		{"[\\A]", "A", true},
		{"\\A", "a", true},
		{"[abc", "C", true},
		{"hello", "hellO!", false},
		// The bounds are ordered before they are folded, so this range
		// becomes z..a and matches nothing.
		{"[Z-a]", "_", false},
		{"[Z-a]", "z", false},
	}
	for _, tc := range cases {
		if got := globMatch([]byte(tc.pattern), []byte(tc.s), true); got != tc.want {
			t.Errorf("globMatch(%q, %q, nocase) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestGlobMatchEdges covers empty operands and the recursion guard. An empty
// string matches no non-empty pattern, not even "*" (KEYS * and SCAN MATCH *
// bypass the matcher, which is why they still list the key ""). Redis
// 7.0.15 gives up beyond 1000 nested stars (measured with KEYS: 1001 "a*"
// groups match a 1200-byte run of "a", 1002 do not).
func TestGlobMatchEdges(t *testing.T) {
	run := []byte(strings.Repeat("a", 1200))
	cases := []struct {
		name       string
		pattern, s []byte
		want       bool
	}{
		{"empty both", nil, nil, true},
		{"empty pattern", nil, []byte("a"), false},
		{"star on empty", []byte("*"), nil, false},
		{"stars on empty", []byte("***"), nil, false},
		{"question on empty", []byte("?"), nil, false},
		{"class on empty", []byte("[a]"), nil, false},
		{"1001 stars", bytes.Repeat([]byte("a*"), 1001), run, true},
		{"1002 stars", bytes.Repeat([]byte("a*"), 1002), run, false},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pattern, tc.s, false); got != tc.want {
			t.Errorf("%s: globMatch = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// refGlob is a plain memoized matcher for patterns made of literals, '?'
// and '*' only. stringmatchlen differs from textbook globbing in one point:
// it never enters its loop for an empty string, so "" matches only "".
func refGlob(p, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(p) == 0
	}
	memo := make(map[[2]int]bool)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(p):
			r = j == len(s)
		case p[i] == '*':
			r = match(i+1, j) || (j < len(s) && match(i, j+1))
		case j == len(s):
			r = false
		case p[i] == '?':
			r = match(i+1, j+1)
		case nocase:
			r = lower(p[i]) == lower(s[j]) && match(i+1, j+1)
		default:
			r = p[i] == s[j] && match(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return match(0, 0)
}

// FuzzGlobMatch checks that globMatch never panics and, on patterns without
// classes or escapes (and within the nesting guard), agrees with refGlob.
func FuzzGlobMatch(f *testing.F) {
	for _, tc := range globKeysCases {
		f.Add([]byte(tc.pattern), []byte("hello"), false)
	}
	f.Add([]byte("*a*b?c*"), []byte("xaybzc"), true)
	f.Add([]byte("[^a-"), []byte("b"), false)
	f.Fuzz(func(t *testing.T, pattern, s []byte, nocase bool) {
		got := globMatch(pattern, s, nocase)
		if bytes.ContainsAny(pattern, "[\\") || bytes.Count(pattern, []byte("*")) > 1000 {
			return
		}
		if want := refGlob(pattern, s, nocase); got != want {
			t.Fatalf("globMatch(%q, %q, %v) = %v, reference says %v", pattern, s, nocase, got, want)
		}
	})
}
