package clustercli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// usage is printed by `slotd cluster help` and on bad arguments.
const usage = `Cluster Manager Commands:
  create         host1:port1 ... hostN:portN
                 --cluster-replicas <arg>
                 --cluster-yes
  check          host:port [host:port ...]
                 --cluster-search-multiple-owners
  fix            host:port
                 --cluster-search-multiple-owners
                 --cluster-fix-with-unreachable-masters
                 --cluster-yes
  reshard        host:port
                 --cluster-from <arg>
                 --cluster-to <arg>
                 --cluster-slots <arg>
                 --cluster-yes
                 --cluster-timeout <arg>
                 --cluster-pipeline <arg>
                 --cluster-replace
  rebalance      host:port
                 --cluster-weight <node1=w1...nodeN=wN>
                 --cluster-use-empty-masters
                 --cluster-timeout <arg>
                 --cluster-simulate
                 --cluster-pipeline <arg>
                 --cluster-threshold <arg>
                 --cluster-replace
  add-node       new_host:new_port existing_host:existing_port
                 --cluster-slave
                 --cluster-master-id <arg>
  del-node       host:port node_id
  import         host:port
                 --cluster-from <arg>
                 --cluster-from-user <arg>
                 --cluster-from-pass <arg>
                 --cluster-copy
                 --cluster-replace
  help

Options, accepted anywhere after the command:
  -a <password>, --pass <password>  AUTH with this password (or set REDISCLI_AUTH)
  --user <username>                 AUTH as this ACL user
  --no-auth-warning                 don't warn about a password on the command line

create talks only to the addresses on its command line; check prefers them
over the addresses the nodes announce. reshard needs --cluster-from,
--cluster-to and --cluster-slots (it does not prompt for them).
`

// commandArgs is how many positional arguments each command takes: at least
// min, at most max (0: no limit).
var commandArgs = map[string]struct{ min, max int }{
	"create":    {1, 0},
	"check":     {1, 0},
	"fix":       {1, 1},
	"reshard":   {1, 1},
	"rebalance": {1, 1},
	"add-node":  {2, 2},
	"del-node":  {2, 2},
	"import":    {1, 1},
	"help":      {0, 0},
}

// flagOptions are the options without a value, and what they set.
var flagOptions = map[string]func(*Config){
	"--cluster-yes":                          func(c *Config) { c.Yes = true },
	"--no-auth-warning":                      func(c *Config) { c.NoAuthWarning = true },
	"--cluster-replace":                      func(c *Config) { c.Replace = true },
	"--cluster-use-empty-masters":            func(c *Config) { c.UseEmptyMasters = true },
	"--cluster-simulate":                     func(c *Config) { c.Simulate = true },
	"--cluster-slave":                        func(c *Config) { c.Replica = true },
	"--cluster-search-multiple-owners":       func(c *Config) { c.SearchMultipleOwners = true },
	"--cluster-fix-with-unreachable-masters": func(c *Config) { c.FixWithUnreachableMasters = true },
	"--cluster-copy":                         func(c *Config) { c.Copy = true },
}

// valueOptions are the options with one value, and how they set it.
var valueOptions = map[string]func(*Config, string) error{
	"--cluster-replicas":  intOption("--cluster-replicas", func(c *Config) *int { return &c.Replicas }),
	"--cluster-slots":     intOption("--cluster-slots", func(c *Config) *int { return &c.Slots }),
	"--cluster-timeout":   intOption("--cluster-timeout", func(c *Config) *int { return &c.Timeout }),
	"--cluster-pipeline":  intOption("--cluster-pipeline", func(c *Config) *int { return &c.Pipeline }),
	"-a":                  func(c *Config, v string) error { c.Password = v; return nil },
	"--pass":              func(c *Config, v string) error { c.Password = v; return nil },
	"--user":              func(c *Config, v string) error { c.User = v; return nil },
	"--cluster-from":      func(c *Config, v string) error { c.From = v; return nil },
	"--cluster-to":        func(c *Config, v string) error { c.To = v; return nil },
	"--cluster-master-id": func(c *Config, v string) error { c.MasterID = v; return nil },
	"--cluster-from-user": func(c *Config, v string) error { c.FromUser = v; return nil },
	"--cluster-from-pass": func(c *Config, v string) error { c.FromPass = v; return nil },
	"--cluster-threshold": func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%w: --cluster-threshold %q is not a number", ErrUsage, v)
		}
		c.Threshold = f
		return nil
	},
}

func intOption(name string, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%w: %s %q is not a number", ErrUsage, name, v)
		}
		*field(c) = n
		return nil
	}
}

// Main runs `slotd cluster <command> ...` with args (the words after
// "cluster") and returns the process exit status: 0 on success, 1 on any
// failure. It reads confirmations from the process's standard input.
func Main(args []string, stdout, stderr io.Writer) int {
	return run(args, os.Stdin, stdout, stderr, os.Getenv("REDISCLI_AUTH"))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, envAuth string) int {
	name, addrs, cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, usage)
		return 1
	}
	if name == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if cfg.Password != "" && !cfg.NoAuthWarning {
		fmt.Fprintf(stderr, "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n")
	}
	if cfg.Password == "" {
		cfg.Password = envAuth
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, usage)
		return 1
	}
	c := &command{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr}
	switch name {
	case "create":
		return c.runCreate(addrs)
	case "fix":
		c.cfg.Fix = true
		return c.runCheck(addrs)
	case "reshard":
		return c.runReshard(addrs[0])
	case "rebalance":
		return c.runRebalance(addrs[0])
	case "add-node":
		return c.runAddNode(addrs[0], addrs[1])
	case "del-node":
		return c.runDelNode(addrs[0], addrs[1])
	case "import":
		return c.runImport(addrs[0])
	default:
		return c.runCheck(addrs)
	}
}

// ParseArgs splits the words after "cluster" into the command name, its
// addresses and the configuration, like redis-cli's parseOptions for
// --cluster: options may come before or after the addresses. The caller
// validates the configuration once REDISCLI_AUTH is applied.
func ParseArgs(args []string) (name string, addrs []string, cfg *Config, err error) {
	cfg = DefaultConfig()
	if len(args) == 0 {
		return "", nil, nil, fmt.Errorf("%w: no cluster command", ErrUsage)
	}
	name = strings.ToLower(args[0])
	nargs, known := commandArgs[name]
	if !known {
		return "", nil, nil, fmt.Errorf("%w: unknown cluster command %q", ErrUsage, args[0])
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if set, ok := flagOptions[a]; ok {
			set(cfg)
			continue
		}
		if a == "--cluster-weight" {
			// Like redis-cli, the weights run up to the next option.
			for i+1 < len(rest) && !strings.HasPrefix(rest[i+1], "--") {
				i++
				cfg.Weights = append(cfg.Weights, rest[i])
			}
			continue
		}
		set, ok := valueOptions[a]
		if !ok {
			if strings.HasPrefix(a, "-") {
				return "", nil, nil, fmt.Errorf("%w: unknown option %s", ErrUsage, a)
			}
			addrs = append(addrs, a)
			continue
		}
		if i+1 >= len(rest) {
			return "", nil, nil, fmt.Errorf("%w: option %s needs a value", ErrUsage, a)
		}
		i++
		if err := set(cfg, rest[i]); err != nil {
			return "", nil, nil, err
		}
	}
	if len(addrs) < nargs.min || (nargs.max > 0 && len(addrs) > nargs.max) {
		return "", nil, nil, fmt.Errorf("%w: wrong number of arguments for %s", ErrUsage, name)
	}
	if cfg.Replicas != 0 && name != "create" {
		return "", nil, nil, fmt.Errorf("%w: --cluster-replicas applies to create only", ErrUsage)
	}
	return name, addrs, cfg, nil
}
