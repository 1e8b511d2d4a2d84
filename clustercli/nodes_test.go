package clustercli

import (
	"errors"
	"reflect"
	"testing"
)

const (
	idA = "07c37dfeb235213a872192d90877d0cd55635b91"
	idB = "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1"
	idC = "292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f"
)

func TestParseNodeLineReadsEveryField(t *testing.T) {
	tests := []struct {
		name string
		line string
		want NodeInfo
	}{
		{
			name: "master with slots",
			line: idA + " 127.0.0.1:30004@31004 myself,master - 0 1426238317239 4 connected 0-5460 5462",
			want: NodeInfo{ID: idA, IP: "127.0.0.1", Port: 30004, BusPort: 31004, Flags: []string{"myself", "master"},
				PongRecv: 1426238317239, ConfigEpoch: 4, LinkState: "connected",
				Slots: []SlotRange{{0, 5460}, {5462, 5462}}},
		},
		{
			name: "replica",
			line: idB + " 127.0.0.1:30002@31002 slave " + idA + " 0 1426238316232 2 connected",
			want: NodeInfo{ID: idB, IP: "127.0.0.1", Port: 30002, BusPort: 31002, Flags: []string{"slave"}, MasterID: idA,
				PongRecv: 1426238316232, ConfigEpoch: 2, LinkState: "connected"},
		},
		{
			name: "open slots",
			line: idA + " 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 1-2 [93->-" + idB + "] [77-<-" + idC + "]",
			want: NodeInfo{ID: idA, IP: "10.0.0.1", Port: 7000, BusPort: 17000, Flags: []string{"myself", "master"},
				ConfigEpoch: 1, LinkState: "connected", Slots: []SlotRange{{1, 2}},
				Migrating: map[int]string{93: idB}, Importing: map[int]string{77: idC}},
		},
		{
			name: "hostname",
			line: idC + " 172.18.0.3:7000@17000,slotd-2 master,fail? - 1700000000000 0 3 disconnected",
			want: NodeInfo{ID: idC, IP: "172.18.0.3", Port: 7000, BusPort: 17000, Hostname: "slotd-2", Flags: []string{"master", "fail?"},
				PingSent: 1700000000000, ConfigEpoch: 3, LinkState: "disconnected"},
		},
		{
			name: "redis 7.2 aux fields without hostname",
			line: idC + " 127.0.0.1:7000@17000,,shard-id=abc master - 0 0 3 connected",
			want: NodeInfo{ID: idC, IP: "127.0.0.1", Port: 7000, BusPort: 17000, Flags: []string{"master"}, ConfigEpoch: 3, LinkState: "connected"},
		},
		{
			name: "no address yet",
			line: idB + " :0@0 master,noaddr - 1 2 0 disconnected",
			want: NodeInfo{ID: idB, Flags: []string{"master", "noaddr"}, PingSent: 1, PongRecv: 2, LinkState: "disconnected"},
		},
		{
			name: "ipv6",
			line: idA + " ::1:7000@17000 myself,master - 0 0 0 connected",
			want: NodeInfo{ID: idA, IP: "::1", Port: 7000, BusPort: 17000, Flags: []string{"myself", "master"}, LinkState: "connected"},
		},
		{
			name: "redis 3 address without bus port",
			line: idA + " 127.0.0.1:7000 myself,master - 0 0 0 connected 16383",
			want: NodeInfo{ID: idA, IP: "127.0.0.1", Port: 7000, Flags: []string{"myself", "master"}, LinkState: "connected",
				Slots: []SlotRange{{16383, 16383}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNodeLine(tt.line)
			if err != nil {
				t.Fatalf("ParseNodeLine(%q): %v", tt.line, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseNodeLine(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseNodeLineRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{
		"",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1",
		" 127.0.0.1:7000@17000 master - 0 0 1 connected",
		idA + " 127.0.0.1@17000 master - 0 0 1 connected",
		idA + " 127.0.0.1:x@17000 master - 0 0 1 connected",
		idA + " 127.0.0.1:7000@17000 master - x 0 1 connected",
		idA + " 127.0.0.1:7000@17000 master - 0 0 -1 connected",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected 16384",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected 10-5",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected [5->-]",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected [5-x-" + idB + "]",
		idA + " 127.0.0.1:7000@17000 master - 0 0 1 connected [5->-" + idB,
	} {
		if n, err := ParseNodeLine(line); !errors.Is(err, ErrMalformedNodes) {
			t.Errorf("ParseNodeLine(%q) = %+v, %v; want ErrMalformedNodes", line, n, err)
		}
	}
}

func TestParseNodesFindsMyself(t *testing.T) {
	text := idB + " 127.0.0.1:7001@17001 master - 0 1 2 connected 5461-10922\n" +
		idA + " 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n"
	nodes, err := ParseNodes(text)
	if err != nil {
		t.Fatal(err)
	}
	me, ok := Myself(nodes)
	if !ok || me.ID != idA || len(nodes) != 2 {
		t.Fatalf("Myself = %+v, %v from %d nodes; want %s of 2", me, ok, len(nodes), idA)
	}
	if me.SlotsCount() != 5461 || me.FlagString() != "master" || me.Addr() != "127.0.0.1:7000" {
		t.Fatalf("myself: %d slots, flags %q, addr %q", me.SlotsCount(), me.FlagString(), me.Addr())
	}
}

func TestSlotsStringMergesAndSortsRanges(t *testing.T) {
	tests := []struct {
		in   []SlotRange
		want string
	}{
		{nil, ""},
		{[]SlotRange{{0, 5460}}, "[0-5460]"},
		{[]SlotRange{{7, 7}}, "[7]"},
		{[]SlotRange{{10, 20}, {0, 5}, {6, 9}, {30, 30}}, "[0-20],[30]"},
		{[]SlotRange{{0, 10}, {5, 7}}, "[0-10]"},
	}
	for _, tt := range tests {
		if got := SlotsString(tt.in); got != tt.want {
			t.Errorf("SlotsString(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitHostPortAcceptsRedisCliForms(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port int
		ok   bool
	}{
		{"127.0.0.1:7000", "127.0.0.1", 7000, true},
		{"slotd-0:7000", "slotd-0", 7000, true},
		{"127.0.0.1:7000@17000", "127.0.0.1", 7000, true},
		{"::1:7000", "::1", 7000, true},
		{"[::1]:7000", "::1", 7000, true},
		{"localhost", "", 0, false},
		{":7000", "", 0, false},
		{"host:0", "", 0, false},
		{"host:70000", "", 0, false},
	}
	for _, tt := range tests {
		host, port, ok := splitHostPort(tt.in)
		if host != tt.host || port != tt.port || ok != tt.ok {
			t.Errorf("splitHostPort(%q) = %q, %d, %v; want %q, %d, %v", tt.in, host, port, ok, tt.host, tt.port, tt.ok)
		}
	}
}

// FuzzParseNodes checks that no input makes the CLUSTER NODES parser panic
// and that what it accepts stays within the slot space.
func FuzzParseNodes(f *testing.F) {
	f.Add(idA + " 127.0.0.1:7000@17000,host myself,master - 0 0 1 connected 0-5460 [5461->-" + idB + "]\n")
	f.Add(idB + " :0@0 slave,noaddr " + idA + " 0 0 0 disconnected\n")
	f.Add("a b c d e f g h [->-] [-<-] -")
	f.Fuzz(func(t *testing.T, text string) {
		nodes, err := ParseNodes(text)
		if err != nil {
			return
		}
		for _, n := range nodes {
			for _, r := range n.Slots {
				if r.Start < 0 || r.End >= SlotCount || r.Start > r.End {
					t.Fatalf("slot range %v out of bounds from %q", r, text)
				}
			}
			_ = SlotsString(n.Slots)
		}
		_ = ConfigSignature(text)
	})
}
