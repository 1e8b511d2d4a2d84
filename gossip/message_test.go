package gossip

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/slotd/slotd/slots"
)

func sampleRecord() NodeRecord {
	return NodeRecord{
		ID: "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", ShardID: "a3c9f1a0b1f7d2f4a3c9f1a0b1f7d2f4a3c9f1a0",
		IP: "10.0.0.2", ClientIP: "127.0.0.1", Hostname: "n1", Port: 7000, BusPort: 17000,
		Flags: FlagMaster, ConfigEpoch: 3, CurrentEpoch: 6, Version: 1700000000123, ReplOffset: -1,
		Slots: []slots.Range{{Start: 0, End: 5460}, {Start: 9000, End: 9000}},
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range []Message{
		{Type: MsgNodes, Nodes: []NodeRecord{sampleRecord(), {ID: "x", Flags: FlagReplica, MasterID: "y"}}},
		{Type: MsgUpdate, Nodes: []NodeRecord{sampleRecord()}},
		{Type: MsgPublish, Channel: []byte("news"), Payload: []byte("hello\x00world")},
		{Type: MsgPublishShard, Channel: []byte("{a}b"), Payload: []byte{}},
	} {
		got, err := Decode(m.Encode(nil))
		if err != nil {
			t.Fatalf("decode %v: %v", m.Type, err)
		}
		if m.Payload != nil && len(m.Payload) == 0 {
			m.Payload = nil
		}
		if len(got.Payload) == 0 {
			got.Payload = nil
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip of type %v:\n got %+v\nwant %+v", m.Type, got, m)
		}
	}
}

func TestDecodeRejectsMalformedMessages(t *testing.T) {
	good := (&Message{Type: MsgNodes, Nodes: []NodeRecord{sampleRecord()}}).Encode(nil)
	for name, b := range map[string][]byte{
		"empty":        nil,
		"version":      append([]byte{9}, good[1:]...),
		"type":         {codecVersion, 77},
		"truncated":    good[:len(good)-1],
		"trailing":     append(append([]byte(nil), good...), 0),
		"huge count":   {codecVersion, byte(MsgNodes), 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad range":    (&Message{Type: MsgNodes, Nodes: []NodeRecord{{Slots: []slots.Range{{Start: 5, End: 4}}}}}).Encode(nil),
		"huge publish": {codecVersion, byte(MsgPublish), 0xff, 0xff, 0x03},
	} {
		if _, err := Decode(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Decode error = %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecode checks that any input either fails cleanly or decodes to a
// message whose encoding decodes to the same message.
func FuzzDecode(f *testing.F) {
	f.Add((&Message{Type: MsgNodes, Nodes: []NodeRecord{sampleRecord()}}).Encode(nil))
	f.Add((&Message{Type: MsgPublish, Channel: []byte("c"), Payload: []byte("p")}).Encode(nil))
	f.Add([]byte{codecVersion, byte(MsgUpdate), 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(m.Encode(nil))
		if err != nil {
			t.Fatalf("re-decode failed: %v", err)
		}
		if !bytes.Equal(again.Encode(nil), m.Encode(nil)) {
			t.Fatal("encoding is not stable")
		}
	})
}
