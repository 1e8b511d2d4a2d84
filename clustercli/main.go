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
  help

Options, accepted anywhere after the command:
  -a <password>, --pass <password>  AUTH with this password (or set REDISCLI_AUTH)
  --user <username>                 AUTH as this ACL user
  --no-auth-warning                 don't warn about a password on the command line

create talks only to the addresses on its command line; check prefers them
over the addresses the nodes announce.
`

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
	switch name {
	case "create", "check", "help":
	default:
		return "", nil, nil, fmt.Errorf("%w: unknown cluster command %q", ErrUsage, args[0])
	}
	rest := args[1:]
	value := func(i int) (string, error) {
		if i+1 >= len(rest) {
			return "", fmt.Errorf("%w: option %s needs a value", ErrUsage, rest[i])
		}
		return rest[i+1], nil
	}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		var v string
		switch a {
		case "--cluster-yes":
			cfg.Yes = true
			continue
		case "--no-auth-warning":
			cfg.NoAuthWarning = true
			continue
		case "--cluster-replicas", "-a", "--pass", "--user":
			if v, err = value(i); err != nil {
				return "", nil, nil, err
			}
			i++
		default:
			if strings.HasPrefix(a, "-") {
				return "", nil, nil, fmt.Errorf("%w: unknown option %s", ErrUsage, a)
			}
			addrs = append(addrs, a)
			continue
		}
		switch a {
		case "--cluster-replicas":
			n, convErr := strconv.Atoi(v)
			if convErr != nil {
				return "", nil, nil, fmt.Errorf("%w: --cluster-replicas %q is not a number", ErrUsage, v)
			}
			cfg.Replicas = n
		case "-a", "--pass":
			cfg.Password = v
		case "--user":
			cfg.User = v
		}
	}
	if name == "check" && len(addrs) == 0 {
		return "", nil, nil, fmt.Errorf("%w: check needs host:port", ErrUsage)
	}
	if name == "create" && len(addrs) == 0 {
		return "", nil, nil, fmt.Errorf("%w: create needs host:port arguments", ErrUsage)
	}
	if cfg.Replicas != 0 && name != "create" {
		return "", nil, nil, fmt.Errorf("%w: --cluster-replicas applies to create only", ErrUsage)
	}
	return name, addrs, cfg, nil
}
