package gossip

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/slotd/slotd/slots"
)

// codecVersion is the first byte of every bus message. A node drops
// messages of a version it does not know.
const codecVersion = 1

// MsgType is the kind of a bus message, after Redis's CLUSTERMSG_TYPE_*.
type MsgType uint8

// The bus message types.
const (
	// MsgNodes carries node records: the sender's own and, in push/pull
	// state, every record it knows (Redis's PING/PONG header and gossip).
	MsgNodes MsgType = iota + 1
	// MsgPublish carries a PUBLISH to every node.
	MsgPublish
	// MsgPublishShard carries an SPUBLISH to the nodes of a shard.
	MsgPublishShard
	// MsgUpdate tells a node with a stale slot claim the record of the
	// owner that superseded it.
	MsgUpdate
)

// Record flags: what a node says of itself.
const (
	FlagMaster uint16 = 1 << iota
	FlagReplica
	FlagNoFailover
)

// NodeRecord is what a node announces about itself, as the header of a
// Redis bus PING carries it. Records are versioned by their author, so a
// relayed copy never overrides a newer one.
type NodeRecord struct {
	ID       string // 40-hex node id, also the memberlist node name
	ShardID  string
	IP       string // the node's announced IP (cluster-announce-ip)
	ClientIP string // the address clients are given, if not IP
	Hostname string // cluster-announce-hostname
	Port     uint16 // client port
	BusPort  uint16
	Flags    uint16
	MasterID string // for a replica
	// ConfigEpoch and CurrentEpoch are the author's epochs.
	ConfigEpoch  uint64
	CurrentEpoch uint64
	// Version orders the records of one author; it never decreases,
	// across restarts included.
	Version    uint64
	ReplOffset int64
	// Slots are the slots the author claims, as ascending ranges.
	Slots []slots.Range
}

// Message is one decoded bus message.
type Message struct {
	Type MsgType
	// Nodes is set for MsgNodes and MsgUpdate.
	Nodes []NodeRecord
	// Channel and Payload are set for MsgPublish and MsgPublishShard.
	Channel, Payload []byte
}

// ErrMalformed is returned for a message that cannot be decoded.
var ErrMalformed = errors.New("gossip: malformed message")

// limits on decoded sizes, so hostile input cannot make the decoder
// allocate much.
const (
	maxString  = 1024
	maxRecords = 4096
)

// Encode appends the wire form of m to dst.
func (m *Message) Encode(dst []byte) []byte {
	dst = append(dst, codecVersion, byte(m.Type))
	switch m.Type {
	case MsgNodes, MsgUpdate:
		dst = binary.AppendUvarint(dst, uint64(len(m.Nodes)))
		for i := range m.Nodes {
			dst = m.Nodes[i].encode(dst)
		}
	case MsgPublish, MsgPublishShard:
		dst = appendBytes(dst, m.Channel)
		dst = appendBytes(dst, m.Payload)
	}
	return dst
}

func (r *NodeRecord) encode(dst []byte) []byte {
	for _, s := range []string{r.ID, r.ShardID, r.IP, r.ClientIP, r.Hostname, r.MasterID} {
		dst = appendBytes(dst, []byte(s))
	}
	dst = binary.AppendUvarint(dst, uint64(r.Port))
	dst = binary.AppendUvarint(dst, uint64(r.BusPort))
	dst = binary.AppendUvarint(dst, uint64(r.Flags))
	dst = binary.AppendUvarint(dst, r.ConfigEpoch)
	dst = binary.AppendUvarint(dst, r.CurrentEpoch)
	dst = binary.AppendUvarint(dst, r.Version)
	dst = binary.AppendVarint(dst, r.ReplOffset)
	dst = binary.AppendUvarint(dst, uint64(len(r.Slots)))
	for _, rg := range r.Slots {
		dst = binary.AppendUvarint(dst, uint64(rg.Start))
		dst = binary.AppendUvarint(dst, uint64(rg.End))
	}
	return dst
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// Decode parses one message. It never panics and allocates in proportion
// to the input only.
func Decode(b []byte) (Message, error) {
	d := decoder{b: b}
	var m Message
	if d.byte() != codecVersion {
		return m, fmt.Errorf("%w: unknown version", ErrMalformed)
	}
	m.Type = MsgType(d.byte())
	switch m.Type {
	case MsgNodes, MsgUpdate:
		n := d.uvarint()
		if n > maxRecords || n > uint64(len(d.b)) {
			return m, fmt.Errorf("%w: %d records", ErrMalformed, n)
		}
		m.Nodes = make([]NodeRecord, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			m.Nodes = append(m.Nodes, d.record())
		}
	case MsgPublish, MsgPublishShard:
		m.Channel = d.bytes(len(d.b))
		m.Payload = d.bytes(len(d.b))
	default:
		return m, fmt.Errorf("%w: type %d", ErrMalformed, m.Type)
	}
	if d.err != nil {
		return m, d.err
	}
	if len(d.b) != 0 {
		return m, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(d.b))
	}
	return m, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail("short message")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(limit int) []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) || n > uint64(limit) {
		d.fail("bad length")
		return nil
	}
	out := append([]byte(nil), d.b[:n]...)
	d.b = d.b[n:]
	return out
}

func (d *decoder) u16(what string) uint16 {
	v := d.uvarint()
	if v > 0xffff {
		d.fail(what)
	}
	return uint16(v)
}

func (d *decoder) record() NodeRecord {
	var r NodeRecord
	for _, p := range []*string{&r.ID, &r.ShardID, &r.IP, &r.ClientIP, &r.Hostname, &r.MasterID} {
		*p = string(d.bytes(maxString))
	}
	r.Port = d.u16("bad port")
	r.BusPort = d.u16("bad bus port")
	r.Flags = d.u16("bad flags")
	r.ConfigEpoch = d.uvarint()
	r.CurrentEpoch = d.uvarint()
	r.Version = d.uvarint()
	r.ReplOffset = d.varint()
	n := d.uvarint()
	if n > slots.NumSlots || n > uint64(len(d.b)) {
		d.fail("bad slot range count")
		return r
	}
	if n > 0 {
		r.Slots = make([]slots.Range, 0, n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		start, end := d.uvarint(), d.uvarint()
		if start > end || end >= slots.NumSlots {
			d.fail("bad slot range")
			return r
		}
		r.Slots = append(r.Slots, slots.Range{Start: slots.Slot(start), End: slots.Slot(end)})
	}
	return r
}
