package clustercli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = 16384

// SlotRange is an inclusive range of slots, Start <= End.
type SlotRange struct {
	Start, End int
}

// NodeInfo is one line of CLUSTER NODES, as clusterManagerNodeLoadInfo reads
// it:
//
//	<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot> ...
type NodeInfo struct {
	ID          string
	IP          string // empty for a node without an address ("noaddr")
	Port        int
	BusPort     int
	Hostname    string
	Flags       []string
	MasterID    string // empty when the field is "-"
	PingSent    int64
	PongRecv    int64
	ConfigEpoch uint64
	LinkState   string
	Slots       []SlotRange
	Migrating   map[int]string // slot -> ID of the node it migrates to ([slot->-id])
	Importing   map[int]string // slot -> ID of the node it imports from ([slot-<-id])
}

// HasFlag reports whether the node carries flag (myself, master, slave,
// fail?, fail, handshake, noaddr, nofailover, noflags).
func (n *NodeInfo) HasFlag(flag string) bool {
	for _, f := range n.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// IsReplica reports whether the node is a replica ("slave" on the wire).
func (n *NodeInfo) IsReplica() bool { return n.HasFlag("slave") }

// Addr returns ip:port as announced.
func (n *NodeInfo) Addr() string { return joinHostPort(n.IP, n.Port) }

// SlotsCount returns the number of slots the node serves.
func (n *NodeInfo) SlotsCount() int {
	total := 0
	for _, r := range n.Slots {
		total += r.End - r.Start + 1
	}
	return total
}

// FlagString joins the flags without "myself", like
// clusterManagerNodeFlagString.
func (n *NodeInfo) FlagString() string {
	out := make([]string, 0, len(n.Flags))
	for _, f := range n.Flags {
		if f != "myself" {
			out = append(out, f)
		}
	}
	return strings.Join(out, ",")
}

// ParseNodes parses the whole reply of CLUSTER NODES. Empty lines are
// skipped.
func ParseNodes(text string) ([]NodeInfo, error) {
	var nodes []NodeInfo
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		n, err := ParseNodeLine(line)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// Myself returns the line flagged "myself".
func Myself(nodes []NodeInfo) (NodeInfo, bool) {
	for _, n := range nodes {
		if n.HasFlag("myself") {
			return n, true
		}
	}
	return NodeInfo{}, false
}

// ParseNodeLine parses one line of CLUSTER NODES.
func ParseNodeLine(line string) (NodeInfo, error) {
	f := strings.Split(line, " ")
	if len(f) < 8 {
		return NodeInfo{}, fmt.Errorf("%w: %d fields in %q", ErrMalformedNodes, len(f), line)
	}
	n := NodeInfo{ID: f[0], LinkState: f[7]}
	if n.ID == "" {
		return NodeInfo{}, fmt.Errorf("%w: empty node ID in %q", ErrMalformedNodes, line)
	}
	var err error
	if n.IP, n.Port, n.BusPort, n.Hostname, err = ParseAddress(f[1]); err != nil {
		return NodeInfo{}, err
	}
	n.Flags = strings.Split(f[2], ",")
	if f[3] != "-" {
		n.MasterID = f[3]
	}
	if n.PingSent, err = strconv.ParseInt(f[4], 10, 64); err != nil {
		return NodeInfo{}, fmt.Errorf("%w: ping-sent %q", ErrMalformedNodes, f[4])
	}
	if n.PongRecv, err = strconv.ParseInt(f[5], 10, 64); err != nil {
		return NodeInfo{}, fmt.Errorf("%w: pong-recv %q", ErrMalformedNodes, f[5])
	}
	if n.ConfigEpoch, err = strconv.ParseUint(f[6], 10, 64); err != nil {
		return NodeInfo{}, fmt.Errorf("%w: config-epoch %q", ErrMalformedNodes, f[6])
	}
	for _, tok := range f[8:] {
		if err := n.addSlotToken(tok); err != nil {
			return NodeInfo{}, err
		}
	}
	return n, nil
}

// addSlotToken parses "slot", "start-end", "[slot->-id]" or "[slot-<-id]".
func (n *NodeInfo) addSlotToken(tok string) error {
	if inner, ok := strings.CutPrefix(tok, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if !ok {
			return fmt.Errorf("%w: open slot %q", ErrMalformedNodes, tok)
		}
		if s, id, ok := strings.Cut(inner, "->-"); ok {
			slot, err := parseSlot(s)
			if err != nil || id == "" {
				return fmt.Errorf("%w: open slot %q", ErrMalformedNodes, tok)
			}
			if n.Migrating == nil {
				n.Migrating = map[int]string{}
			}
			n.Migrating[slot] = id
			return nil
		}
		if s, id, ok := strings.Cut(inner, "-<-"); ok {
			slot, err := parseSlot(s)
			if err != nil || id == "" {
				return fmt.Errorf("%w: open slot %q", ErrMalformedNodes, tok)
			}
			if n.Importing == nil {
				n.Importing = map[int]string{}
			}
			n.Importing[slot] = id
			return nil
		}
		return fmt.Errorf("%w: open slot %q", ErrMalformedNodes, tok)
	}
	lo, hi, isRange := strings.Cut(tok, "-")
	start, err := parseSlot(lo)
	if err != nil {
		return fmt.Errorf("%w: slot %q", ErrMalformedNodes, tok)
	}
	end := start
	if isRange {
		if end, err = parseSlot(hi); err != nil || end < start {
			return fmt.Errorf("%w: slot range %q", ErrMalformedNodes, tok)
		}
	}
	n.Slots = append(n.Slots, SlotRange{Start: start, End: end})
	return nil
}

func parseSlot(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v >= SlotCount || s[0] == '+' {
		return 0, fmt.Errorf("%w: slot %q", ErrMalformedNodes, s)
	}
	return v, nil
}

// ParseAddress parses the address field of CLUSTER NODES:
// ip:port@cport, optionally followed by ",hostname" and, from Redis 7.2 on,
// more ",key=value" fields, which are ignored. The IP may be empty (a node
// without an address yet) and may be an IPv6 address: the port follows the
// last ':'.
func ParseAddress(s string) (ip string, port, busPort int, hostname string, err error) {
	addr, extra, _ := strings.Cut(s, ",")
	if h, _, _ := strings.Cut(extra, ","); !strings.Contains(h, "=") {
		hostname = h
	}
	hostport, cport, hasBus := strings.Cut(addr, "@")
	i := strings.LastIndexByte(hostport, ':')
	if i < 0 {
		return "", 0, 0, "", fmt.Errorf("%w: address %q", ErrMalformedNodes, s)
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(hostport[:i], "["), "]")
	if port, err = parsePort(hostport[i+1:]); err != nil {
		return "", 0, 0, "", fmt.Errorf("%w: address %q", ErrMalformedNodes, s)
	}
	if hasBus {
		if busPort, err = parsePort(cport); err != nil {
			return "", 0, 0, "", fmt.Errorf("%w: address %q", ErrMalformedNodes, s)
		}
	}
	return ip, port, busPort, hostname, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 65535 || s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%w: port %q", ErrMalformedNodes, s)
	}
	return p, nil
}

// joinHostPort formats an address like redis-cli does: "ip:port", without
// brackets around an IPv6 address.
func joinHostPort(host string, port int) string {
	return host + ":" + strconv.Itoa(port)
}

// SlotsString formats slots like clusterManagerNodeSlotsString:
// "[0-5460],[5462]". Ranges are sorted and adjacent ones merged.
func SlotsString(ranges []SlotRange) string {
	var b strings.Builder
	for i, r := range mergeRanges(ranges) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(r.Start))
		if r.End != r.Start {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.End))
		}
		b.WriteByte(']')
	}
	return b.String()
}

// mergeRanges returns ranges sorted with overlapping and adjacent ones joined.
func mergeRanges(ranges []SlotRange) []SlotRange {
	rs := append([]SlotRange(nil), ranges...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	var out []SlotRange
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && r.Start <= out[k].End+1 {
			out[k].End = max(out[k].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}
