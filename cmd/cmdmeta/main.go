// Command cmdmeta snapshots the command metadata of a running redis-server 7
// (COMMAND INFO and COMMAND DOCS, read over RESP3 so every type survives) into
// the JSON file that node embeds. slotd answers COMMAND from that file, so its
// arity, flags and key specs are Redis's own, which cluster clients route by.
//
// Usage: go run ./cmd/cmdmeta -addr 127.0.0.1:6379 -out node/commandmeta.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"

	"github.com/slotd/slotd/internal/resp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "address of a redis-server 7")
	out := flag.String("out", "node/commandmeta.json", "file to write")
	flag.Parse()
	if err := run(*addr, *out); err != nil {
		fmt.Fprintln(os.Stderr, "cmdmeta:", err)
		os.Exit(1)
	}
}

func run(addr, out string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	w := bufio.NewWriter(c)
	r := resp.NewReader(c)
	call := func(args ...string) (resp.Value, error) {
		fmt.Fprintf(w, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
		}
		if err := w.Flush(); err != nil {
			return resp.Value{}, err
		}
		return r.Read()
	}
	if _, err := call("HELLO", "3"); err != nil {
		return err
	}
	info, err := call("COMMAND", "INFO")
	if err != nil {
		return err
	}
	docs, err := call("COMMAND", "DOCS")
	if err != nil {
		return err
	}
	meta := map[string]map[string]any{"info": {}, "docs": {}}
	for _, e := range info.Elems {
		meta["info"][strings.ToLower(string(e.Elems[0].Str))] = tree(e)
	}
	for i := 0; i+1 < len(docs.Elems); i += 2 {
		meta["docs"][strings.ToLower(string(docs.Elems[i].Str))] = tree(docs.Elems[i+1])
	}
	b, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// tree encodes a reply as JSON: integers as numbers, null as null, simple
// strings as "+text", bulk strings as "$text", and aggregates as arrays whose
// first element names the type ("*" array, "%" map, "~" set).
func tree(v resp.Value) any {
	switch v.Type {
	case ':':
		return v.Int
	case '_':
		return nil
	case '+':
		return "+" + string(v.Str)
	case '$', '=':
		if v.Null {
			return nil
		}
		return "$" + string(v.Str)
	case '*', '%', '~':
		out := []any{string(v.Type)}
		if v.Type == '%' {
			// Keep map order as Redis sends it, but sort the top-level
			// subcommand maps so the file diffs cleanly.
			type kv struct{ k, v any }
			var pairs []kv
			for i := 0; i+1 < len(v.Elems); i += 2 {
				pairs = append(pairs, kv{tree(v.Elems[i]), tree(v.Elems[i+1])})
			}
			if isSubcommandMap(v) {
				sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.(string) < pairs[j].k.(string) })
			}
			for _, p := range pairs {
				out = append(out, p.k, p.v)
			}
			return out
		}
		for _, e := range v.Elems {
			out = append(out, tree(e))
		}
		return out
	}
	panic(fmt.Sprintf("cmdmeta: unexpected reply type %q", v.Type))
}

func isSubcommandMap(v resp.Value) bool {
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if strings.Contains(string(v.Elems[i].Str), "|") {
			return true
		}
	}
	return false
}
