package slots

import (
	"bytes"
	"testing"
)

func TestKeySlotMatchesRedisVectors(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("CRC16(123456789) = %#x, want 0x31c3", got)
	}
	cases := []struct {
		key  string
		want Slot
	}{
		{"somekey", 11058},
		{"foo{hash_tag}", 2515},
		{"wechat", 410},
		{"qq", 5598},
		{"site:{info}:domain", 5642},
		{"*{info}*", 5642},
		{"{user1000}.following", KeySlotString("user1000")},
		{"foo{}{bar}", KeySlotString("foo{}{bar}")},
		{"foo{{bar}}zap", KeySlotString("{bar")},
		{"foo{bar}{zap}", KeySlotString("bar")},
		{"", 0},
		{"}{a}", KeySlotString("a")},
		{"{", KeySlotString("{")},
	}
	for _, c := range cases {
		if got := KeySlotString(c.key); got != c.want {
			t.Errorf("KeySlot(%q) = %d, want %d", c.key, got, c.want)
		}
	}
}

// referenceKeySlot is a literal transcription of keyHashSlot from cluster.c.
func referenceKeySlot(key []byte) Slot {
	s := bytes.IndexByte(key, '{')
	if s < 0 {
		return Slot(CRC16(key) & 16383)
	}
	e := bytes.IndexByte(key[s+1:], '}')
	if e <= 0 {
		return Slot(CRC16(key) & 16383)
	}
	return Slot(CRC16(key[s+1:s+1+e]) & 16383)
}

func FuzzKeySlot(f *testing.F) {
	for _, s := range []string{"", "{", "}", "{}", "}{a}", "a{b}c", "{{a}}", "foo{}{bar}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		got, want := KeySlot(key), referenceKeySlot(key)
		if got != want {
			t.Fatalf("KeySlot(%q) = %d, reference says %d", key, got, want)
		}
		if got >= NumSlots {
			t.Fatalf("KeySlot(%q) = %d out of range", key, got)
		}
	})
}

func BenchmarkKeySlot(b *testing.B) {
	key := []byte("user:{12345}:profile")
	for i := 0; i < b.N; i++ {
		KeySlot(key)
	}
}
