package node

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/slotd/slotd/node/store"
)

// commandMetaJSON is COMMAND INFO and COMMAND DOCS of redis-server 7.0, as
// captured by cmd/cmdmeta. Arity, flags and key specs come from it, so the
// routing and the COMMAND replies of slotd are Redis's own.
//
//go:embed commandmeta.json
var commandMetaJSON []byte

// commandMetaExtraJSON adds, in the same form, the metadata of the few
// commands slotd implements that are newer than Redis 7.0 and that current
// clients send (CLIENT SETINFO, from 7.2: go-redis v9 sends it on connect).
//
//go:embed commandmeta_extra.json
var commandMetaExtraJSON []byte

// cmdFlags are the command flags slotd acts on (a subset of Redis's).
type cmdFlags uint32

const (
	flagWrite cmdFlags = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagPubSub
	flagNoScript
	flagLoading
	flagStale
	flagSkipMonitor
	flagSkipSlowlog
	flagFast
	flagNoAuth
	flagNoMulti
	flagAllowBusy
	flagAsking
)

var flagNames = map[string]cmdFlags{
	"write": flagWrite, "readonly": flagReadonly, "denyoom": flagDenyOOM,
	"admin": flagAdmin, "pubsub": flagPubSub, "noscript": flagNoScript,
	"loading": flagLoading, "stale": flagStale, "skip_monitor": flagSkipMonitor,
	"skip_slowlog": flagSkipSlowlog, "fast": flagFast, "no_auth": flagNoAuth,
	"no_multi": flagNoMulti, "allow_busy": flagAllowBusy, "asking": flagAsking,
}

// lockMode says which slot locks the dispatcher takes for a command.
type lockMode uint8

const (
	// lockKeys locks the slots of the command's keys (none for keyless).
	lockKeys lockMode = iota
	// lockWalk takes no lock: the handler walks partitions, locking each
	// (or finds them all locked inside EXEC).
	lockWalk
	// lockAll locks every slot: the command must be atomic over the whole
	// keyspace (FLUSHALL, SWAPDB).
	lockAll
)

// cmdDef is what the code declares for a command; everything else about it
// comes from the metadata.
type cmdDef struct {
	name    string // lower case; "parent|sub" for a subcommand
	handler func(*ctx)
	lock    lockMode
}

// beginSearch and findKeys are the two halves of a Redis 7 key spec.
type keySpec struct {
	bsIndex     int    // begin_search index, when bsKeyword == ""
	bsKeyword   string // begin_search keyword
	bsStartFrom int
	bsUnknown   bool
	fkKeynum    bool // find_keys keynum, else range
	fkUnknown   bool
	fkLastKey   int
	fkKeyStep   int
	fkLimit     int
	fkKeynumIdx int
	fkFirstKey  int
}

// command is one entry of the command table.
type command struct {
	name     string
	fullName string // "config|get" for subcommands
	arity    int
	flags    cmdFlags
	specs    []keySpec
	handler  func(*ctx)
	lock     lockMode
	subs     map[string]*command
	parent   *command

	// single is set when the command's only key is argv[single] (GET, SET...),
	// the fast path of key extraction.
	single int

	info json.RawMessage
	docs json.RawMessage

	stats cmdStats
}

// cmdStats are INFO commandstats counters.
type cmdStats struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
}

// commandMeta is the form of commandmeta.json: COMMAND INFO and COMMAND
// DOCS trees by command name.
type commandMeta struct {
	Info map[string]json.RawMessage `json:"info"`
	Docs map[string]json.RawMessage `json:"docs"`
}

type commandTable struct {
	cmds map[string]*command
}

// newCommandTable builds the table from every handler group and the metadata.
func newCommandTable() (*commandTable, error) {
	var meta, extra commandMeta
	if err := json.Unmarshal(commandMetaJSON, &meta); err != nil {
		return nil, fmt.Errorf("command metadata: %w", err)
	}
	if err := json.Unmarshal(commandMetaExtraJSON, &extra); err != nil {
		return nil, fmt.Errorf("extra command metadata: %w", err)
	}
	t := &commandTable{cmds: make(map[string]*command)}
	var defs []cmdDef
	for _, group := range [][]cmdDef{
		connectionCommands(), serverCommands(), keyCommands(), stringCommands(),
		bitmapCommands(), transactionCommands(), pubsubCommands(),
		infoCommands(), configCommands(), commandCommands(), clientCommands(),
		listCommands(), hashCommands(), setCommands(), zsetCommands(),
		dumpCommands(), hllCommands(), clusterCommands(), migrateCommands(),
	} {
		defs = append(defs, group...)
	}
	// Parents first, so subcommands find them.
	sort.SliceStable(defs, func(i, j int) bool {
		return strings.Count(defs[i].name, "|") < strings.Count(defs[j].name, "|")
	})
	for _, d := range defs {
		parentName, subName, isSub := strings.Cut(d.name, "|")
		var info json.RawMessage
		var docs json.RawMessage
		if isSub {
			parent := t.cmds[parentName]
			if parent == nil {
				return nil, fmt.Errorf("command %q: parent not defined", d.name)
			}
			info = findSubInfo(meta.Info[parentName], d.name)
			docs = findSubDocs(meta.Docs[parentName], d.name)
			if info == nil {
				info, docs = extra.Info[d.name], extra.Docs[d.name]
			}
			c, err := newCommand(d, info, docs)
			if err != nil {
				return nil, err
			}
			c.parent = parent
			if parent.subs == nil {
				parent.subs = make(map[string]*command)
			}
			parent.subs[subName] = c
			continue
		}
		c, err := newCommand(d, meta.Info[d.name], meta.Docs[d.name])
		if err != nil {
			return nil, err
		}
		t.cmds[d.name] = c
	}
	return t, nil
}

func newCommand(d cmdDef, info, docs json.RawMessage) (*command, error) {
	if info == nil {
		return nil, fmt.Errorf("command %q: no Redis metadata", d.name)
	}
	var tree []any
	if err := json.Unmarshal(info, &tree); err != nil {
		return nil, fmt.Errorf("command %q: %w", d.name, err)
	}
	c := &command{
		name: d.name, fullName: d.name, handler: d.handler, lock: d.lock,
		info: info, docs: docs, single: -1,
	}
	c.arity = int(tree[2].(float64))
	for _, f := range tree[3].([]any)[1:] {
		c.flags |= flagNames[strings.TrimPrefix(f.(string), "+")]
	}
	for _, s := range tree[9].([]any)[1:] {
		c.specs = append(c.specs, parseKeySpec(s.([]any)))
	}
	if len(c.specs) == 1 {
		s := c.specs[0]
		if s.bsKeyword == "" && !s.bsUnknown && !s.fkKeynum && !s.fkUnknown && s.fkLastKey == 0 {
			c.single = s.bsIndex
		}
	}
	return c, nil
}

// mapGet reads key from a metadata map node ["%", k, v, ...].
func mapGet(m []any, key string) any {
	for i := 1; i+1 < len(m); i += 2 {
		if m[i] == "$"+key {
			return m[i+1]
		}
	}
	return nil
}

func intOf(v any) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return 0
}

func parseKeySpec(m []any) keySpec {
	var s keySpec
	bs := mapGet(m, "begin_search").([]any)
	bspec, _ := mapGet(bs, "spec").([]any)
	switch mapGet(bs, "type") {
	case "$index":
		s.bsIndex = intOf(mapGet(bspec, "index"))
	case "$keyword":
		s.bsKeyword = strings.TrimPrefix(mapGet(bspec, "keyword").(string), "$")
		s.bsStartFrom = intOf(mapGet(bspec, "startfrom"))
	default:
		s.bsUnknown = true
	}
	fk := mapGet(m, "find_keys").([]any)
	fspec, _ := mapGet(fk, "spec").([]any)
	switch mapGet(fk, "type") {
	case "$range":
		s.fkLastKey = intOf(mapGet(fspec, "lastkey"))
		s.fkKeyStep = intOf(mapGet(fspec, "keystep"))
		s.fkLimit = intOf(mapGet(fspec, "limit"))
	case "$keynum":
		s.fkKeynum = true
		s.fkKeynumIdx = intOf(mapGet(fspec, "keynumidx"))
		s.fkFirstKey = intOf(mapGet(fspec, "firstkey"))
		s.fkKeyStep = intOf(mapGet(fspec, "keystep"))
	default:
		s.fkUnknown = true
	}
	return s
}

func findSubInfo(parent json.RawMessage, full string) json.RawMessage {
	var tree []json.RawMessage
	if json.Unmarshal(parent, &tree) != nil || len(tree) < 11 {
		return nil
	}
	var subs []json.RawMessage
	if json.Unmarshal(tree[10], &subs) != nil {
		return nil
	}
	for _, s := range subs[1:] {
		var e []any
		if json.Unmarshal(s, &e) == nil && len(e) > 1 && e[1] == "$"+full {
			return s
		}
	}
	return nil
}

func findSubDocs(parent json.RawMessage, full string) json.RawMessage {
	var m []json.RawMessage
	if json.Unmarshal(parent, &m) != nil {
		return nil
	}
	for i := 1; i+1 < len(m); i += 2 {
		var k string
		if json.Unmarshal(m[i], &k) == nil && k == "$subcommands" {
			var subs []json.RawMessage
			if json.Unmarshal(m[i+1], &subs) != nil {
				return nil
			}
			for j := 1; j+1 < len(subs); j += 2 {
				var name string
				if json.Unmarshal(subs[j], &name) == nil && name == "$"+full {
					return subs[j+1]
				}
			}
		}
	}
	return nil
}

// lookup finds the command for argv, descending into a subcommand when the
// command is a container. It returns the container itself for an unknown
// subcommand, so the caller can produce Redis's error for it.
func (t *commandTable) lookup(argv [][]byte, scratch []byte) (*command, []byte) {
	scratch = appendLower(scratch[:0], argv[0])
	c := t.cmds[string(scratch)]
	if c == nil || c.subs == nil || len(argv) < 2 {
		return c, scratch
	}
	scratch = appendLower(scratch[:0], argv[1])
	if sub := c.subs[string(scratch)]; sub != nil {
		return sub, scratch
	}
	return c, scratch
}

func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// keywordFirst is the keyword begin_search of getKeysUsingKeySpecs: it
// returns the position after the spec's keyword, searched from startfrom
// (backwards when negative), or 0 when the keyword is absent.
func (s keySpec) keywordFirst(argv [][]byte) int {
	argc := len(argv)
	start, end := s.bsStartFrom, argc-1
	if start <= 0 {
		start, end = argc+s.bsStartFrom, 0
	}
	for i := start; i != end && i >= 1 && i < argc; {
		if optIs(argv[i], s.bsKeyword) {
			return i + 1
		}
		if start <= end {
			i++
		} else {
			i--
		}
	}
	return 0
}

// migrateKeyIndexes is migrateGetKeys: MIGRATE's key specs are incomplete,
// so Redis finds its keys with this procedure: the key argument, or with
// KEYS (and an empty key argument) the arguments after it.
func migrateKeyIndexes(argv [][]byte, dst []int) []int {
	first, num := 3, 1
	for i := 6; i < len(argv); i++ {
		switch {
		case optIs(argv[i], "keys"):
			if len(argv[3]) > 0 {
				return dst
			}
			first, num = i+1, len(argv)-i-1
			i = len(argv)
		case optIs(argv[i], "auth"):
			i++
		case optIs(argv[i], "auth2"):
			i += 2
		}
	}
	for i := first; i < first+num && i < len(argv); i++ {
		dst = append(dst, i)
	}
	return dst
}

// keyIndexes appends the argv positions of the command's keys to dst, by its
// key specs, as getKeysUsingKeySpecs in db.c does. A spec that does not apply
// to these arguments contributes nothing; the handler reports the syntax error.
func (c *command) keyIndexes(argv [][]byte, dst []int) []int {
	if c.name == "migrate" {
		return migrateKeyIndexes(argv, dst)
	}
	if c.single > 0 {
		if c.single < len(argv) {
			return append(dst, c.single)
		}
		return dst
	}
	argc := len(argv)
	for _, s := range c.specs {
		first := 0
		switch {
		case s.bsUnknown:
			continue
		case s.bsKeyword != "":
			first = s.keywordFirst(argv)
			if first == 0 {
				continue
			}
		default:
			first = s.bsIndex
		}
		var last, step int
		switch {
		case s.fkUnknown:
			continue
		case s.fkKeynum:
			if first+s.fkKeynumIdx >= argc {
				continue
			}
			n, ok := store.ParseInt(argv[first+s.fkKeynumIdx])
			if !ok || n < 0 || n > int64(argc) {
				continue
			}
			first += s.fkFirstKey
			last = first + int(n) - 1
			step = s.fkKeyStep
		default:
			switch {
			case s.fkLastKey >= 0:
				last = first + s.fkLastKey
			case s.fkLimit == 0:
				last = argc + s.fkLastKey
			default:
				last = first + ((argc-first)/s.fkLimit + s.fkLastKey)
			}
			step = s.fkKeyStep
		}
		if step < 1 {
			step = 1
		}
		for i := first; i <= last; i += step {
			if i >= argc || i < first {
				break
			}
			dst = append(dst, i)
		}
	}
	return dst
}
