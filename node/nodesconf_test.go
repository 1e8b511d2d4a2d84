package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleNodesConf = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001,,shard-id=aaaa,bus-ip=10.0.0.2,version=17,own-epoch=2 master - 0 0 2 connected 5461-10922
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:7000@17000,host-a myself,master - 0 0 1 connected 0-5460 [100->-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca] [10923-<-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca]
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:7004@17004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 2 connected
vars currentEpoch 6 lastVoteEpoch 3
`

func TestNodesConfRoundTripsThroughRender(t *testing.T) {
	st, err := parseNodesConf([]byte(sampleNodesConf))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if st.myself == nil || st.myself.id != "67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1" || st.myself.hostname != "host-a" {
		t.Fatalf("myself = %+v", st.myself)
	}
	if st.currentEpoch != 6 || st.lastVoteEpoch != 3 {
		t.Fatalf("epochs = %d %d, want 6 3", st.currentEpoch, st.lastVoteEpoch)
	}
	peer := st.nodes["e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca"]
	if peer.ip != "10.0.0.2" || peer.clientIP != "127.0.0.1" || peer.configEpoch != 2 {
		t.Fatalf("peer = %+v", peer)
	}
	if st.owner[0] != st.myself || st.owner[5461] != peer || st.migrating[100] != peer || st.importing[10923] != peer {
		t.Fatal("slot owners or open slots not loaded")
	}
	again, err := parseNodesConf(renderNodesConf(st, true))
	if err != nil {
		t.Fatalf("re-parse of the rendered file: %v\n%s", err, renderNodesConf(st, true))
	}
	if string(renderNodesConf(again, true)) != string(renderNodesConf(st, true)) {
		t.Fatalf("render is not stable:\n%s\n%s", renderNodesConf(st, true), renderNodesConf(again, true))
	}
}

func TestCorruptNodesConfIsAnError(t *testing.T) {
	for name, text := range map[string]string{
		"no myself":      "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 master - 0 0 2 connected\n",
		"short line":     "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master\n",
		"bad id":         "xyz 127.0.0.1:7001@17001 myself,master - 0 0 2 connected\n",
		"bad flag":       "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,boss - 0 0 2 connected\n",
		"bad slot":       "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 16384\n",
		"two owners":     "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 0-10\n67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:7000@17000 master - 0 0 1 connected 5\n",
		"bad vars":       "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master - 0 0 2 connected\nvars currentEpoch x\n",
		"bad address":    "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1 myself,master - 0 0 2 connected\n",
		"unknown target": "e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 myself,master - 0 0 2 connected [5->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]\n",
	} {
		if _, err := parseNodesConf([]byte(text)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestNodesConfIsLockedAndSavedAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nodes.conf")
	conf, st, err := openNodesConf(path)
	if err != nil || st != nil {
		t.Fatalf("open of a missing file: %v %v", st, err)
	}
	defer conf.close()
	if _, _, err := openNodesConf(path); err == nil || !strings.Contains(err.Error(), "already used by another process") {
		t.Fatalf("second open: %v, want the lock error", err)
	}
	loaded, err := parseNodesConf([]byte(sampleNodesConf))
	if err != nil {
		t.Fatal(err)
	}
	if err := conf.save(loaded, true, true); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(string(data), "vars currentEpoch 6 lastVoteEpoch 3\n") {
		t.Fatalf("saved file: %q %v", data, err)
	}
	if tmp, _ := filepath.Glob(path + ".tmp-*"); len(tmp) != 0 {
		t.Fatalf("temporary files left behind: %v", tmp)
	}
	if err := os.WriteFile(path, []byte("garbage line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf.close()
	if _, _, err := openNodesConf(path); err == nil || !strings.Contains(err.Error(), "corrupted cluster config file") {
		t.Fatalf("open of a corrupt file: %v, want the corruption error", err)
	}
}

// FuzzParseNodesConf checks that any file either fails cleanly or loads
// into a state whose rendering loads back to the same rendering.
func FuzzParseNodesConf(f *testing.F) {
	f.Add([]byte(sampleNodesConf))
	f.Add([]byte("vars currentEpoch 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseNodesConf(b)
		if err != nil {
			return
		}
		out := renderNodesConf(st, true)
		again, err := parseNodesConf(out)
		if err != nil {
			t.Fatalf("rendered file does not load: %v\n%s", err, out)
		}
		if string(renderNodesConf(again, true)) != string(out) {
			t.Fatalf("render is not stable:\n%s\n%s", out, renderNodesConf(again, true))
		}
	})
}
