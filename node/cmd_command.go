package node

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/slotd/slotd/node/store"
)

// Error texts of COMMAND.
const (
	errGetkeysCommand = "ERR Invalid command specified"
	errGetkeysArity   = "ERR Invalid number of arguments specified for command"
	errGetkeysNoKeys  = "ERR The command has no key arguments"
	errGetkeysInvalid = "ERR Invalid arguments specified for command"
)

func commandCommands() []cmdDef {
	return []cmdDef{
		{name: "command", handler: cmdCommand},
		{name: "command|count", handler: func(x *ctx) { x.w.int(int64(len(x.s.table.cmds))) }},
		{name: "command|info", handler: cmdCommandInfo},
		{name: "command|docs", handler: cmdCommandDocs},
		{name: "command|list", handler: cmdCommandList},
		{name: "command|getkeys", handler: func(x *ctx) { cmdCommandGetkeys(x, false) }},
		{name: "command|getkeysandflags", handler: func(x *ctx) { cmdCommandGetkeys(x, true) }},
		{name: "command|help", handler: cmdCommandHelp},
	}
}

// cmdCommand is COMMAND without a subcommand: the COMMAND INFO entry of
// every command.
func cmdCommand(x *ctx) {
	if len(x.argv) > 1 {
		x.errf("ERR unknown subcommand '%.128s'. Try COMMAND HELP.", x.argv[1])
		return
	}
	writeAllCommandInfo(x)
}

func writeAllCommandInfo(x *ctx) {
	cmds := sortedCommands(x.s.table.cmds)
	x.w.array(len(cmds))
	for _, c := range cmds {
		writeMeta(x.w, commandInfoTree(c))
	}
}

// cmdCommandInfo is commandInfoCommand: an entry per name, null for an
// unknown one; every command without names.
func cmdCommandInfo(x *ctx) {
	if len(x.argv) == 2 {
		writeAllCommandInfo(x)
		return
	}
	x.w.array(len(x.argv) - 2)
	for _, name := range x.argv[2:] {
		if c := x.s.table.byFullName(string(name)); c != nil {
			writeMeta(x.w, commandInfoTree(c))
		} else {
			x.w.null()
		}
	}
}

// cmdCommandDocs is commandDocsCommand: a map from full name to docs,
// skipping unknown names; every command without names.
func cmdCommandDocs(x *ctx) {
	var cmds []*command
	if len(x.argv) == 2 {
		cmds = sortedCommands(x.s.table.cmds)
	} else {
		for _, name := range x.argv[2:] {
			if c := x.s.table.byFullName(string(name)); c != nil && c.docs != nil {
				cmds = append(cmds, c)
			}
		}
	}
	x.w.mapHeader(len(cmds))
	for _, c := range cmds {
		x.w.bulkString(c.fullName)
		writeMeta(x.w, commandDocsTree(c))
	}
}

// cmdCommandList is commandListCommand: every full name, subcommands after
// their container, optionally filtered by module, ACL category or pattern.
func cmdCommandList(x *ctx) {
	keep := func(*command) bool { return true }
	switch {
	case len(x.argv) == 2:
	case len(x.argv) == 5 && x.argIs(2, "FILTERBY"):
		arg := x.argv[4]
		switch {
		case x.argIs(3, "MODULE"):
			// slotd has no modules.
			keep = func(*command) bool { return false }
		case x.argIs(3, "ACLCAT"):
			cat := "+@" + strings.ToLower(string(arg))
			keep = func(c *command) bool { return metaSetHas(commandInfoTree(c)[6], cat) }
		case x.argIs(3, "PATTERN"):
			keep = func(c *command) bool { return globMatch(arg, []byte(c.fullName), true) }
		default:
			x.err(errSyntax)
			return
		}
	default:
		x.err(errSyntax)
		return
	}
	names := []string{}
	for _, c := range sortedCommands(x.s.table.cmds) {
		for _, e := range append([]*command{c}, sortedCommands(c.subs)...) {
			if keep(e) {
				names = append(names, e.fullName)
			}
		}
	}
	x.w.bulkStrings(names)
}

func cmdCommandHelp(x *ctx) {
	x.help("COMMAND", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

// keyRef is a key argument and its key spec flags.
type keyRef struct {
	pos   int
	flags []string
}

// cmdCommandGetkeys is getKeysSubcommandImpl: the keys of a full command,
// with their flags when asked.
func cmdCommandGetkeys(x *ctx, withFlags bool) {
	argv := x.argv[2:]
	c := x.s.table.byArgv(argv)
	if c == nil {
		x.err(errGetkeysCommand)
		return
	}
	info := commandInfoTree(c)
	specFlags := keySpecFlags(info)
	hasKeys := false
	for _, f := range specFlags {
		hasKeys = hasKeys || !containsString(f, "not_key")
	}
	if !hasKeys {
		x.err(errGetkeysNoKeys)
		return
	}
	if (c.arity > 0 && c.arity != len(argv)) || len(argv) < -c.arity {
		x.err(errGetkeysArity)
		return
	}
	keys := getKeysWithSpecs(c, specFlags, argv)
	if len(keys) == 0 {
		if metaSetHas(info[3], "+no_mandatory_keys") {
			x.w.array(0)
		} else {
			x.err(errGetkeysInvalid)
		}
		return
	}
	x.w.array(len(keys))
	for _, k := range keys {
		if !withFlags {
			x.w.bulk(argv[k.pos])
			continue
		}
		x.w.array(2)
		x.w.bulk(argv[k.pos])
		x.w.set(len(k.flags))
		for _, f := range k.flags {
			x.w.simple(f)
		}
	}
}

// getKeysWithSpecs is getKeysFromCommandWithSpecs: the key specs give the
// keys unless one of them does not apply to these arguments (or is
// incomplete), or their flags depend on the arguments; then the command's
// own key finder decides, as Redis's getkeys_proc does.
func getKeysWithSpecs(c *command, specFlags [][]string, argv [][]byte) []keyRef {
	variable := false
	for _, f := range specFlags {
		variable = variable || containsString(f, "variable_flags")
	}
	if !variable {
		if keys, ok := keysFromSpecs(c, specFlags, argv); ok {
			return keys
		}
	}
	return keysFromProc(c, argv)
}

// keysFromSpecs is getKeysUsingKeySpecs: the positions come from the
// command's key specs (command.keyIndexes, which routing uses too); ok is
// false when a spec is invalid for these arguments or incomplete.
func keysFromSpecs(c *command, specFlags [][]string, argv [][]byte) ([]keyRef, bool) {
	var keys []keyRef
	for i, spec := range c.specs {
		flags := specFlags[i]
		if containsString(flags, "not_key") {
			continue
		}
		if !specApplies(spec, argv) {
			return nil, false
		}
		one := command{specs: []keySpec{spec}, single: -1}
		for _, pos := range one.keyIndexes(argv, nil) {
			keys = append(keys, keyRef{pos: pos, flags: flags})
		}
		if containsString(flags, "incomplete") {
			return nil, false
		}
	}
	return keys, true
}

// specApplies reports whether a key spec fits argv, with the checks that
// make getKeysUsingKeySpecs go to invalid_spec: an unknown spec, a bad key
// count, or a first or last key outside the arguments. A keyword that is
// absent is not an error: the spec just finds no key.
func specApplies(s keySpec, argv [][]byte) bool {
	argc := len(argv)
	if s.bsUnknown || s.fkUnknown {
		return false
	}
	first := s.bsIndex
	if s.bsKeyword != "" {
		first = s.keywordFirst(argv)
		if first == 0 {
			return true
		}
	}
	var last int
	switch {
	case s.fkKeynum:
		if s.fkKeynumIdx >= argc || first+s.fkKeynumIdx >= argc {
			return false
		}
		n, ok := store.ParseInt(argv[first+s.fkKeynumIdx])
		if !ok || n < 0 {
			return false
		}
		first += s.fkFirstKey
		last = first + int(n) - 1
	case s.fkLastKey >= 0:
		last = first + s.fkLastKey
	case s.fkLimit == 0:
		last = argc + s.fkLastKey
	default:
		last = first + ((argc-first)/s.fkLimit + s.fkLastKey)
	}
	return last < argc && last >= first && first < argc
}

// keysFromProc stands for the getkeys_proc of the commands whose key specs
// are not enough: setGetKeys and bitfieldGetKeys (key flags depend on the
// arguments) and migrateGetKeys (the KEYS form). For the others the specs
// failed because the arguments are malformed, where their procs find no key.
func keysFromProc(c *command, argv [][]byte) []keyRef {
	switch c.fullName {
	case "set":
		for _, a := range argv[3:] {
			if strings.EqualFold(string(a), "get") {
				return []keyRef{{1, []string{"RW", "access", "update"}}}
			}
		}
		return []keyRef{{1, []string{"OW", "update"}}}
	case "bitfield":
		readonly := true
		for i := 2; i < len(argv); i++ {
			rest := len(argv) - i - 1
			switch a := string(argv[i]); {
			case strings.EqualFold(a, "get") && rest >= 2:
				i += 2
			case (strings.EqualFold(a, "set") || strings.EqualFold(a, "incrby")) && rest >= 3:
				readonly = false
			case strings.EqualFold(a, "overflow") && rest >= 1:
				i++
			default:
				readonly = false
			}
			if !readonly {
				break
			}
		}
		if readonly {
			return []keyRef{{1, []string{"RO", "access"}}}
		}
		return []keyRef{{1, []string{"RW", "access", "update"}}}
	case "migrate":
		return migrateKeys(argv)
	}
	return nil
}

// migrateKeys is migrateGetKeys: the key argument, or the keys after KEYS
// when it is empty.
func migrateKeys(argv [][]byte) []keyRef {
	first, num := 3, 1
scan:
	for i := 6; i < len(argv); i++ {
		switch strings.ToLower(string(argv[i])) {
		case "keys":
			if len(argv[3]) > 0 {
				return nil
			}
			first, num = i+1, len(argv)-i-1
			break scan
		case "auth":
			i++
		case "auth2":
			i += 2
		}
	}
	flags := []string{"RW", "access", "delete"}
	keys := make([]keyRef, num)
	for i := range keys {
		keys[i] = keyRef{first + i, flags}
	}
	return keys
}

// byFullName finds a command by its full name, "get" or "config|get"
// (lookupCommandBySds).
func (t *commandTable) byFullName(name string) *command {
	base, sub, isSub := strings.Cut(strings.ToLower(name), "|")
	c := t.cmds[base]
	if !isSub {
		return c
	}
	if c == nil || c.subs == nil || strings.Contains(sub, "|") {
		return nil
	}
	return c.subs[sub]
}

// byArgv finds the command argv runs, nil for an unknown command or
// subcommand (lookupCommand).
func (t *commandTable) byArgv(argv [][]byte) *command {
	c := t.cmds[strings.ToLower(string(argv[0]))]
	if c == nil || c.subs == nil || len(argv) == 1 {
		return c
	}
	return c.subs[strings.ToLower(string(argv[1]))]
}

// sortedCommands returns commands ordered by name, the order of every
// reply that lists them (Redis's is its dict's, which is random).
func sortedCommands(m map[string]*command) []*command {
	out := make([]*command, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fullName < out[j].fullName })
	return out
}

// decodeMeta decodes a metadata tree, keeping integers exact.
func decodeMeta(raw json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil
	}
	return v
}

// commandInfoTree is the COMMAND INFO entry of c, its subcommand list
// (element 10) cut down to the subcommands slotd implements.
func commandInfoTree(c *command) []any {
	tree, _ := decodeMeta(c.info).([]any)
	if len(tree) > 10 && c.subs != nil {
		subs := []any{"*"}
		for _, sub := range sortedCommands(c.subs) {
			subs = append(subs, commandInfoTree(sub))
		}
		tree[10] = subs
	}
	return tree
}

// commandDocsTree is the COMMAND DOCS entry of c, its "subcommands" map
// cut down to the subcommands slotd implements.
func commandDocsTree(c *command) any {
	tree, _ := decodeMeta(c.docs).([]any)
	for i := 1; i+1 < len(tree); i += 2 {
		if tree[i] != "$subcommands" {
			continue
		}
		subs := []any{"%"}
		for _, sub := range sortedCommands(c.subs) {
			if sub.docs != nil {
				subs = append(subs, "$"+sub.fullName, commandDocsTree(sub))
			}
		}
		tree[i+1] = subs
	}
	return tree
}

// keySpecFlags returns the flags of each key spec of an info tree, in the
// order of command.specs.
func keySpecFlags(info []any) [][]string {
	specs, _ := info[9].([]any)
	var out [][]string
	for _, s := range specs[1:] {
		m, _ := s.([]any)
		set, _ := mapGet(m, "flags").([]any)
		var flags []string
		for _, f := range set[1:] {
			if str, ok := f.(string); ok {
				flags = append(flags, strings.TrimPrefix(str, "+"))
			}
		}
		out = append(out, flags)
	}
	return out
}

// metaSetHas reports whether a metadata set or array holds the string v.
func metaSetHas(node any, v string) bool {
	list, _ := node.([]any)
	for _, e := range list[min(1, len(list)):] {
		if e == v {
			return true
		}
	}
	return false
}

// writeMeta renders a metadata tree (see cmd/cmdmeta): maps become flat
// arrays and sets arrays in RESP2, as Redis's replies do.
func writeMeta(w *reply, v any) {
	switch t := v.(type) {
	case nil:
		w.null()
	case json.Number:
		n, _ := t.Int64()
		w.int(n)
	case string:
		if strings.HasPrefix(t, "+") {
			w.simple(t[1:])
		} else {
			w.bulkString(strings.TrimPrefix(t, "$"))
		}
	case []any:
		items := t[1:]
		switch t[0] {
		case "%":
			w.mapHeader(len(items) / 2)
		case "~":
			w.set(len(items))
		default:
			w.array(len(items))
		}
		for _, e := range items {
			writeMeta(w, e)
		}
	}
}
