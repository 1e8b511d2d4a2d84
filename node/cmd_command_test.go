package node

import (
	"testing"
)

// Replies of redis-server 7.0.15, captured with raw sockets, without the
// one-element array around them (COMMAND INFO <name>) or the map around
// them (COMMAND DOCS <name>).
var redisCommandMeta = []struct {
	what, name   string
	resp2, resp3 string
}{
	{"info", "get",
		"*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
		"*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"},
	{"info", "set",
		"*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\nRW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
		"*10\r\n$3\r\nset\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@string\r\n+@slow\r\n~0\r\n~1\r\n%4\r\n$5\r\nnotes\r\n$48\r\nRW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n~4\r\n+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"},
	{"info", "mget",
		"*10\r\n$4\r\nmget\r\n:-2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*1\r\n$26\r\nrequest_policy:multi_shard\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
		"*10\r\n$4\r\nmget\r\n:-2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~1\r\n$26\r\nrequest_policy:multi_shard\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"},
	{"info", "config|get",
		"*10\r\n$10\r\nconfig|get\r\n:-3\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n*0\r\n*0\r\n*0\r\n",
		"*10\r\n$10\r\nconfig|get\r\n:-3\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n~0\r\n~0\r\n~0\r\n"},
	{"docs", "get",
		"*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n",
		"%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"},
	{"docs", "config|get",
		"*12\r\n$7\r\nsummary\r\n$42\r\nGet the values of configuration parameters\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$62\r\nO(N) when N is the number of configuration parameters provided\r\n$7\r\nhistory\r\n*1\r\n*2\r\n$5\r\n7.0.0\r\n$65\r\nAdded the ability to pass multiple pattern parameters in one call\r\n$9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$5\r\nblock\r\n$5\r\nflags\r\n*1\r\n+multiple\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$6\r\nstring\r\n",
		"%6\r\n$7\r\nsummary\r\n$42\r\nGet the values of configuration parameters\r\n$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$62\r\nO(N) when N is the number of configuration parameters provided\r\n$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n7.0.0\r\n$65\r\nAdded the ability to pass multiple pattern parameters in one call\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$5\r\nblock\r\n$5\r\nflags\r\n~1\r\n+multiple\r\n$9\r\narguments\r\n*1\r\n%2\r\n$4\r\nname\r\n$9\r\nparameter\r\n$4\r\ntype\r\n$6\r\nstring\r\n"},
}

func TestCommandInfoAndDocsRenderByteIdenticalToRedis(t *testing.T) {
	table, err := newCommandTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range redisCommandMeta {
		c := table.byFullName(tc.name)
		if c == nil {
			t.Fatalf("command %q is not in the table", tc.name)
		}
		for _, resp3 := range []bool{false, true} {
			w := reply{resp3: resp3}
			if tc.what == "info" {
				writeMeta(&w, commandInfoTree(c))
			} else {
				writeMeta(&w, commandDocsTree(c))
			}
			want := tc.resp2
			if resp3 {
				want = tc.resp3
			}
			if string(w.b) != want {
				t.Errorf("COMMAND %s %s (resp3=%v):\n got %q\nwant %q", tc.what, tc.name, resp3, w.b, want)
			}
		}
	}
}

func TestCommandContainerListsOnlyImplementedSubcommands(t *testing.T) {
	table, err := newCommandTable()
	if err != nil {
		t.Fatal(err)
	}
	c := table.byFullName("config")
	subs := commandInfoTree(c)[10].([]any)
	if got, want := len(subs)-1, len(c.subs); got != want {
		t.Fatalf("config lists %d subcommands, the table has %d", got, want)
	}
	for _, s := range subs[1:] {
		name := s.([]any)[1].(string)
		if table.byFullName(name[1:]) == nil {
			t.Errorf("config lists %s, which slotd does not implement", name)
		}
	}
}

func TestCommandGetkeysRepliesLikeRedis(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	for _, tc := range []struct {
		want string
		args []string
	}{
		{`*["a"]`, []string{"COMMAND", "GETKEYS", "get", "a"}},
		{`*["a" "c"]`, []string{"COMMAND", "GETKEYS", "mset", "a", "1", "c", "2"}},
		{`*["a" "b" "c"]`, []string{"COMMAND", "GETKEYS", "MGET", "a", "b", "c"}},
		{"-ERR Invalid command specified", []string{"COMMAND", "GETKEYS", "nosuch", "a"}},
		{"-ERR Invalid command specified", []string{"COMMAND", "GETKEYS", "config", "nosuch"}},
		{"-ERR The command has no key arguments", []string{"COMMAND", "GETKEYS", "config", "get"}},
		{"-ERR The command has no key arguments", []string{"COMMAND", "GETKEYS", "spublish", "ch", "m"}},
		{"-ERR Invalid number of arguments specified for command", []string{"COMMAND", "GETKEYS", "get", "a", "b"}},
		{`*["a" "b"]`, []string{"COMMAND", "GETKEYS", "mset", "a", "1", "b"}},
		{`*[*["a" *[+OW +update]]]`, []string{"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"}},
		{`*[*["a" *[+RW +access +update]]]`, []string{"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "GET"}},
		{`*[*["k" *[+RO +access]]]`, []string{"COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "get", "u8", "0"}},
		{`*[*["a" *[+RW +access +delete]]]`, []string{"COMMAND", "GETKEYSANDFLAGS", "getdel", "a"}},
		{"-ERR wrong number of arguments for 'command|getkeys' command", []string{"COMMAND", "GETKEYS", "get"}},
		{"-ERR unknown subcommand 'FOO'. Try COMMAND HELP.", []string{"COMMAND", "FOO"}},
		{"*[(nil)]", []string{"COMMAND", "INFO", "nosuch"}},
		{"*[]", []string{"COMMAND", "DOCS", "nosuch"}},
		{"-ERR syntax error", []string{"COMMAND", "LIST", "FILTERBY", "PATTERN"}},
		{`*["config|get"]`, []string{"COMMAND", "LIST", "FILTERBY", "PATTERN", "config|g*"}},
		{"*[]", []string{"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}},
	} {
		c.expect(tc.want, tc.args...)
	}
}
