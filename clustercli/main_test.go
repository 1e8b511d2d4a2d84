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

func TestParseArgsRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"reshard", "a:1"},
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
