package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/slotd/slotd/slots"
)

// nodesConf is the cluster configuration file (cluster-config-file): the
// CLUSTER NODES lines plus aux fields and a vars line, in Redis's format.
// It is locked for the life of the process, so two nodes never share it,
// and rewritten atomically on every change.
type nodesConf struct {
	path string
	lock *os.File
	// last is the content last written, so an unchanged state costs no
	// write.
	last []byte
}

// errNodesConfLocked is returned when another process holds the file.
var errNodesConfLocked = errors.New("is already used by another process")

// openNodesConf locks path and loads it. The state is nil when the file
// does not exist or is empty; a file that cannot be parsed is an error,
// never a silent reset.
func openNodesConf(path string) (*nodesConf, *clusterState, error) {
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("cluster config %s: %w", path, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, nil, fmt.Errorf("cluster config %s %w: %v", path, errNodesConfLocked, err)
	}
	c := &nodesConf{path: path, lock: lock}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || err == nil && len(bytes.TrimSpace(data)) == 0 {
		return c, nil, nil
	}
	if err != nil {
		c.close()
		return nil, nil, fmt.Errorf("cluster config %s: %w", path, err)
	}
	st, err := parseNodesConf(data)
	if err != nil {
		c.close()
		return nil, nil, fmt.Errorf("unrecoverable error: corrupted cluster config file %s: %w", path, err)
	}
	return c, st, nil
}

func (c *nodesConf) close() {
	if c.lock != nil {
		_ = c.lock.Close()
		c.lock = nil
	}
}

// save writes the state atomically: a temporary file, rename, so a crash
// of the process leaves either file whole. With sync, the file is fsynced
// before the rename and the directory after it, so a power loss does too.
// anyOpen says whether some slot is migrating or importing (the view
// knows), which saves a scan of every slot when none is.
func (c *nodesConf) save(st *clusterState, anyOpen, sync bool) error {
	data := renderNodesConf(st, anyOpen)
	if bytes.Equal(data, c.last) && !sync {
		return nil
	}
	tmp := fmt.Sprintf("%s.tmp-%d", c.path, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("error saving the cluster node config: %w", err)
	}
	_, werr := f.Write(data)
	var serr error
	if sync {
		serr = f.Sync()
	}
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("error saving the cluster node config: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("error saving the cluster node config: %w", err)
	}
	c.last = data
	if !sync {
		return nil
	}
	if d, err := os.Open(filepath.Dir(c.path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// renderNodesConf is clusterGenNodesDescription for the file: every node
// with its aux fields, then the vars line. Open slots are listed only when
// anyOpen is set.
func renderNodesConf(st *clusterState, anyOpen bool) []byte {
	var b bytes.Buffer
	ids := make([]string, 0, len(st.nodes))
	for id := range st.nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n := st.nodes[id]
		var open []string
		if anyOpen {
			open = st.openSlotTokens(n)
		}
		b.WriteString(nodeLine(n, st.nodes[n.masterID], n.endpointIP(), n == st.myself, true, open))
	}
	fmt.Fprintf(&b, "vars currentEpoch %d lastVoteEpoch %d\n", st.currentEpoch, st.lastVoteEpoch)
	return b.Bytes()
}

// openSlotTokens returns the [slot->-id] and [slot-<-id] tokens of myself.
func (st *clusterState) openSlotTokens(n *clusterNode) []string {
	if n != st.myself {
		return nil
	}
	var out []string
	for j := 0; j < slots.NumSlots; j++ {
		if m := st.migrating[j]; m != nil {
			out = append(out, fmt.Sprintf("[%d->-%s]", j, m.id))
		} else if m := st.importing[j]; m != nil {
			out = append(out, fmt.Sprintf("[%d-<-%s]", j, m.id))
		}
	}
	return out
}

// nodeLine formats one CLUSTER NODES line (clusterGenNodeDescription), with
// the aux fields of nodes.conf when file is set. master is n's master, if
// known; ip is the address to show. Only myself's record version is kept
// in the file: it must never go back across a restart, while a peer's is
// relearned from the peer.
func nodeLine(n, master *clusterNode, ip string, isMyself, file bool, open []string) string {
	var b strings.Builder
	b.WriteString(n.id)
	b.WriteByte(' ')
	b.WriteString(ip)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(n.port))
	b.WriteByte('@')
	b.WriteString(strconv.Itoa(n.busPort))
	if file {
		b.WriteByte(',')
		b.WriteString(n.hostname)
		version := ""
		if isMyself {
			version = strconv.FormatUint(n.version, 10)
		}
		for _, kv := range [][2]string{{"shard-id", n.shardID}, {"bus-ip", n.ip}, {"client-ipv4", n.clientIP},
			{"version", version}, {"own-epoch", strconv.FormatUint(n.configEpoch, 10)}} {
			if kv[1] != "" {
				b.WriteString("," + kv[0] + "=" + kv[1])
			}
		}
	} else if n.hostname != "" {
		b.WriteByte(',')
		b.WriteString(n.hostname)
	}
	b.WriteByte(' ')
	b.WriteString(flagString(n.flags))
	b.WriteByte(' ')
	if n.masterID != "" {
		b.WriteString(n.masterID)
	} else {
		b.WriteByte('-')
	}
	epoch := n.configEpoch
	if master != nil && !n.isMaster() {
		epoch = master.configEpoch
	}
	link := "disconnected"
	if n.linked || n.flags&nodeMyself != 0 {
		link = "connected"
	}
	// ping-sent is always 0: memberlist's probes are not visible, so no
	// ping is ever shown pending.
	fmt.Fprintf(&b, " 0 %d %d %s", n.pongRecv, epoch, link)
	for _, r := range n.slots.Ranges() {
		b.WriteByte(' ')
		b.WriteString(r.String())
	}
	for _, t := range open {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	b.WriteByte('\n')
	return b.String()
}

func flagString(f nodeFlags) string {
	var words []string
	for _, fn := range nodeFlagNames {
		if f&fn.f != 0 {
			words = append(words, fn.name)
		}
	}
	if len(words) == 0 {
		return "noflags"
	}
	return strings.Join(words, ",")
}

// parseNodesConf reads a nodes.conf, as clusterLoadConfig does.
func parseNodesConf(data []byte) (*clusterState, error) {
	st := &clusterState{nodes: make(map[string]*clusterNode)}
	var open []openSlotToken
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "vars" {
			if len(f)%2 != 1 {
				return nil, fmt.Errorf("line %d: bad vars line", lineNo)
			}
			for i := 1; i+1 < len(f); i += 2 {
				v, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: bad %s value %q", lineNo, f[i], f[i+1])
				}
				switch f[i] {
				case "currentEpoch":
					st.currentEpoch = v
				case "lastVoteEpoch":
					st.lastVoteEpoch = v
				default:
					return nil, fmt.Errorf("line %d: unknown var %q", lineNo, f[i])
				}
			}
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("line %d: %d fields, want at least 8", lineNo, len(f))
		}
		n, err := parseNodeFields(f)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if st.nodes[n.id] != nil {
			return nil, fmt.Errorf("line %d: node %s listed twice", lineNo, n.id)
		}
		st.nodes[n.id] = n
		if n.flags&nodeMyself != 0 {
			if st.myself != nil {
				return nil, fmt.Errorf("line %d: a second myself node", lineNo)
			}
			st.myself = n
			n.linked = true
		}
		for _, tok := range f[8:] {
			if strings.HasPrefix(tok, "[") {
				o, err := parseOpenSlot(tok)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", lineNo, err)
				}
				open = append(open, o)
				continue
			}
			r, err := parseSlotRange(tok)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo, err)
			}
			for s := int(r.Start); s <= int(r.End); s++ {
				if st.owner[s] != nil {
					return nil, fmt.Errorf("line %d: slot %d has two owners", lineNo, s)
				}
				st.owner[s] = n
				n.slots.Add(slots.Slot(s))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if st.myself == nil {
		return nil, errors.New("no myself node")
	}
	for _, o := range open {
		peer := st.nodes[o.id]
		if peer == nil {
			return nil, fmt.Errorf("open slot %d names unknown node %s", o.slot, o.id)
		}
		if o.migrating {
			st.migrating[o.slot] = peer
		} else {
			st.importing[o.slot] = peer
		}
	}
	for _, n := range st.nodes {
		if n.masterID != "" && st.nodes[n.masterID] == nil {
			st.nodes[n.masterID] = &clusterNode{id: n.masterID, flags: nodeMaster | nodeNoAddr}
		}
	}
	return st, nil
}

func parseNodeFields(f []string) (*clusterNode, error) {
	n := &clusterNode{id: f[0]}
	ownEpoch := false
	if !validNodeID(n.id) {
		return nil, fmt.Errorf("bad node id %q", n.id)
	}
	parts := strings.Split(f[1], ",")
	addr := parts[0]
	if len(parts) > 1 {
		n.hostname = parts[1]
	}
	for _, kv := range parts[min(len(parts), 2):] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("bad aux field %q", kv)
		}
		var err error
		switch k {
		case "shard-id":
			n.shardID = v
		case "bus-ip":
			n.ip = v
		case "client-ipv4":
			n.clientIP = v
		case "version":
			n.version, err = strconv.ParseUint(v, 10, 64)
		case "own-epoch":
			n.configEpoch, err = strconv.ParseUint(v, 10, 64)
			ownEpoch = true
		}
		if err != nil {
			return nil, fmt.Errorf("bad aux field %q", kv)
		}
	}
	at := strings.LastIndexByte(addr, '@')
	colon := strings.LastIndexByte(addr[:max(at, 0)], ':')
	if at < 0 || colon < 0 {
		return nil, fmt.Errorf("bad address %q", addr)
	}
	var err1, err2 error
	n.port, err1 = strconv.Atoi(addr[colon+1 : at])
	n.busPort, err2 = strconv.Atoi(addr[at+1:])
	if err1 != nil || err2 != nil || n.port < 0 || n.port > 65535 || n.busPort < 0 || n.busPort > 65535 {
		return nil, fmt.Errorf("bad address %q", addr)
	}
	// The address column shows the client address; bus-ip, when present,
	// is the bus address.
	if addrIP := addr[:colon]; n.ip == "" {
		n.ip = addrIP
	} else if addrIP != n.ip && n.clientIP == "" {
		n.clientIP = addrIP
	}
	if n.clientIP == n.ip {
		n.clientIP = ""
	}
	for _, w := range strings.Split(f[2], ",") {
		found := w == "noflags"
		for _, fn := range nodeFlagNames {
			if fn.name == w {
				n.flags |= fn.f
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown flag %q", w)
		}
	}
	// PFAIL and FAIL are not trusted across a restart.
	n.flags &^= nodePFail | nodeFail | nodeHandshake
	if f[3] != "-" {
		if !validNodeID(f[3]) {
			return nil, fmt.Errorf("bad master id %q", f[3])
		}
		n.masterID = f[3]
	}
	epoch, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad config epoch %q", f[6])
	}
	if !ownEpoch {
		// A file written by Redis: a replica's column is its master's.
		n.configEpoch = epoch
	}
	if f[7] != "connected" && f[7] != "disconnected" {
		return nil, fmt.Errorf("bad link state %q", f[7])
	}
	return n, nil
}

type openSlotToken struct {
	slot      slots.Slot
	id        string
	migrating bool
}

// parseOpenSlot reads "[slot->-id]" or "[slot-<-id]".
func parseOpenSlot(tok string) (openSlotToken, error) {
	var o openSlotToken
	body, ok := strings.CutPrefix(tok, "[")
	body, ok2 := strings.CutSuffix(body, "]")
	if !ok || !ok2 {
		return o, fmt.Errorf("bad open slot %q", tok)
	}
	num, id, found := strings.Cut(body, "->-")
	o.migrating = found
	if !found {
		num, id, found = strings.Cut(body, "-<-")
	}
	s, err := strconv.Atoi(num)
	if !found || err != nil || s < 0 || s >= slots.NumSlots || !validNodeID(id) {
		return o, fmt.Errorf("bad open slot %q", tok)
	}
	o.slot, o.id = slots.Slot(s), id
	return o, nil
}

func parseSlotRange(tok string) (slots.Range, error) {
	a, b, isRange := strings.Cut(tok, "-")
	if !isRange {
		b = a
	}
	start, err1 := strconv.Atoi(a)
	end, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || start < 0 || end >= slots.NumSlots || start > end {
		return slots.Range{}, fmt.Errorf("bad slot range %q", tok)
	}
	return slots.Range{Start: slots.Slot(start), End: slots.Slot(end)}, nil
}

func validNodeID(id string) bool {
	if len(id) != 40 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
