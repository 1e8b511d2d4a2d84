package clustercli

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgsAcceptsOptionsAnywhere(t *testing.T) {
	tests := []struct {
		args     []string
		name     string
		addrs    []string
		replicas int
		yes      bool
		user     string
		password string
	}{
		{[]string{"create", "a:1", "b:2", "c:3"}, "create", []string{"a:1", "b:2", "c:3"}, 0, false, "", ""},
		{[]string{"create", "--cluster-replicas", "1", "a:1", "--cluster-yes", "b:2"}, "create", []string{"a:1", "b:2"}, 1, true, "", ""},
		{[]string{"CHECK", "a:1", "-a", "pw", "--user", "u"}, "check", []string{"a:1"}, 0, false, "u", "pw"},
		{[]string{"check", "a:1", "--pass", "pw", "--no-auth-warning"}, "check", []string{"a:1"}, 0, false, "", "pw"},
		{[]string{"help"}, "help", nil, 0, false, "", ""},
	}
	for _, tt := range tests {
		name, addrs, cfg, err := ParseArgs(tt.args)
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		if name != tt.name || !reflect.DeepEqual(addrs, tt.addrs) || cfg.Replicas != tt.replicas || cfg.Yes != tt.yes ||
			cfg.User != tt.user || cfg.Password != tt.password {
			t.Errorf("ParseArgs(%q) = %q %q %+v", tt.args, name, addrs, cfg)
		}
	}
}

func TestParseArgsReadsTheOperationOptions(t *testing.T) {
	tests := []struct {
		args  []string
		addrs []string
		check func(*Config) bool
	}{
		{[]string{"reshard", "a:1", "--cluster-from", "x,y", "--cluster-to", "z", "--cluster-slots", "10", "--cluster-yes",
			"--cluster-timeout", "500", "--cluster-pipeline", "3", "--cluster-replace"}, []string{"a:1"},
			func(c *Config) bool {
				return c.From == "x,y" && c.To == "z" && c.Slots == 10 && c.Yes && c.Timeout == 500 && c.Pipeline == 3 && c.Replace
			}},
		{[]string{"rebalance", "a:1", "--cluster-weight", "ab=2", "cd=0.5", "--cluster-use-empty-masters", "--cluster-simulate",
			"--cluster-threshold", "1.5"}, []string{"a:1"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.Weights, []string{"ab=2", "cd=0.5"}) && c.UseEmptyMasters && c.Simulate && c.Threshold == 1.5
			}},
		{[]string{"add-node", "n:1", "e:2", "--cluster-slave", "--cluster-master-id", "m"}, []string{"n:1", "e:2"},
			func(c *Config) bool { return c.Replica && c.MasterID == "m" }},
		{[]string{"del-node", "a:1", "abc"}, []string{"a:1", "abc"}, func(c *Config) bool { return true }},
		{[]string{"fix", "a:1", "--cluster-search-multiple-owners", "--cluster-fix-with-unreachable-masters"}, []string{"a:1"},
			func(c *Config) bool { return c.SearchMultipleOwners && c.FixWithUnreachableMasters }},
		{[]string{"import", "a:1", "--cluster-from", "s:2", "--cluster-from-user", "u", "--cluster-from-pass", "p", "--cluster-copy"}, []string{"a:1"},
			func(c *Config) bool { return c.From == "s:2" && c.FromUser == "u" && c.FromPass == "p" && c.Copy }},
	}
	for _, tt := range tests {
		_, addrs, cfg, err := ParseArgs(tt.args)
		if err != nil || !reflect.DeepEqual(addrs, tt.addrs) || !tt.check(cfg) {
			t.Errorf("ParseArgs(%q) = %q %+v %v", tt.args, addrs, cfg, err)
		}
	}
}

func TestParseArgsRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"bogus", "a:1"},
		{"add-node", "a:1"},
		{"del-node", "a:1", "id", "extra"},
		{"reshard", "a:1", "--cluster-slots", "x"},
		{"create"},
		{"check"},
		{"create", "a:1", "--cluster-replicas"},
		{"create", "a:1", "--cluster-replicas", "x"},
		{"create", "a:1", "--bogus"},
		{"check", "a:1", "--cluster-replicas", "1"},
	} {
		if _, _, _, err := ParseArgs(args); !errors.Is(err, ErrUsage) {
			t.Errorf("ParseArgs(%q) error %v, want ErrUsage", args, err)
		}
	}
}

func TestRunValidatesAfterReadingTheEnvironment(t *testing.T) {
	tests := []struct {
		args    []string
		envAuth string
		code    int
		stderr  string
	}{
		{[]string{"help"}, "", 0, ""},
		{[]string{"create", "a:1", "--cluster-replicas", "-1"}, "", 1, "must not be negative"},
		{[]string{"check", "a:1", "--user", "u"}, "", 1, "--user needs a password"},
		{[]string{"check", "bad-address"}, "", 1, "Invalid address format: bad-address"},
		{[]string{"check", "bad-address", "--user", "u"}, "pw", 1, "Invalid address format"},
		{[]string{"check", "bad-address", "-a", "pw"}, "", 1, "Warning: Using a password"},
		{[]string{"reshard", "a:1", "--cluster-to", "x"}, "", 1, "reshard needs --cluster-from, --cluster-to and --cluster-slots"},
		{[]string{"import", "a:1"}, "", 1, "Option '--cluster-from' is required for subcommand 'import'"},
		{[]string{"reshard", "a:1", "--cluster-pipeline", "0"}, "", 1, "--cluster-pipeline must be positive"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &out, &errOut, tt.envAuth)
		if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, errOut.String(), tt.code, tt.stderr)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	bad := []func(*Config){
		func(c *Config) { c.Replicas = -1 },
		func(c *Config) { c.User = "u" },
		func(c *Config) { c.JoinTimeout = 0 },
		func(c *Config) { c.PollInterval = -1 },
		func(c *Config) { c.ReachTimeout = -1 },
	}
	for i, mutate := range bad {
		c := DefaultConfig()
		mutate(c)
		if err := c.Validate(); !errors.Is(err, ErrUsage) {
			t.Errorf("case %d: Validate() = %v, want ErrUsage", i, err)
		}
	}
}
