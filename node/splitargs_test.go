package node

import (
	"strings"
	"testing"
)

// TestSplitArgsMatchesSdssplitargs checks splitArgs against sdssplitargs in
// Redis's sds.c. Every expectation was taken from redis-server 7.0.15 by
// sending the line as an inline "RPUSH k <line>" and reading the list back.
func TestSplitArgsMatchesSdssplitargs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // nil with ok=false: unbalanced quotes
		ok   bool
	}{
		{"", []string{}, true},
		{"   ", []string{}, true},
		{"a b c", []string{"a", "b", "c"}, true},
		{"  a\t\tb  ", []string{"a", "b"}, true},
		{"a\rb\nc", []string{"a", "b", "c"}, true},
		// Inside an unquoted word only space, \n, \r, \t end it; isspace()
		// (which adds \v and \f) only skips the blanks between words.
		{"a\vb", []string{"a\vb"}, true},
		{"a\fb", []string{"a\fb"}, true},
		{"\va", []string{"a"}, true},
		{"a \v b", []string{"a", "b"}, true},
		{`"a b"`, []string{"a b"}, true},
		{`""`, []string{""}, true},
		{`''`, []string{""}, true},
		{`"\x41\x4a\x4A"`, []string{"AJJ"}, true},
		{`"\x4g"`, []string{"x4g"}, true},
		{`"\x4"`, []string{"x4"}, true},
		{`"\x"`, []string{"x"}, true},
		{`"\xff\x00"`, []string{"\xff\x00"}, true},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, true},
		{`"\\"`, []string{`\`}, true},
		{`'a\'b'`, []string{"a'b"}, true},
		{`'a\nb'`, []string{`a\nb`}, true},
		{`'a"b'`, []string{`a"b`}, true},
		{`a"b c"`, []string{"ab c"}, true},
		{`a'b'`, []string{"ab"}, true},
		{"\"a\"\t\"b\"", []string{"a", "b"}, true},
		{"\"a\"\v", []string{"a"}, true},
		{"'a'\f", []string{"a"}, true},
		{`a\ b`, []string{`a\`, "b"}, true},
		{`"a"b`, nil, false},
		{`'a'b`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`a"b c"d`, nil, false},
		{`"a\"`, nil, false},
		{`"a""`, nil, false},
		{`'\\'`, nil, false},
		{`'a\'`, nil, false},
		{`"\x41`, nil, false},
	} {
		got, ok := splitArgs([]byte(tc.in), nil)
		if ok != tc.ok {
			t.Errorf("splitArgs(%q): ok=%v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		gs := make([]string, len(got))
		for i, a := range got {
			gs[i] = string(a)
		}
		if strings.Join(gs, "\x00|") != strings.Join(tc.want, "\x00|") || len(gs) != len(tc.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tc.in, gs, tc.want)
		}
	}
}

// TestSplitArgsAppends checks that splitArgs appends to dst, which the
// reader relies on to reuse its argument slice.
func TestSplitArgsAppends(t *testing.T) {
	dst := [][]byte{[]byte("keep")}
	got, ok := splitArgs([]byte("a b"), dst)
	if !ok || len(got) != 3 || string(got[0]) != "keep" || string(got[2]) != "b" {
		t.Fatalf("splitArgs appended %q", got)
	}
}
