package node

import (
	"net"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Error texts of CONFIG.
const (
	errNoConfigFile   = "ERR The server is running without a config file"
	errConfigUnknown  = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	errConfigSet      = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	errConfigRewrite  = "ERR Rewriting config file: %s"
	errConfigImmut    = "can't set immutable config"
	errConfigProtect  = "can't set protected config"
	errConfigDupParam = "duplicate parameter"
)

func configCommands() []cmdDef {
	return []cmdDef{
		{name: "config"},
		{name: "config|get", handler: cmdConfigGet},
		{name: "config|set", handler: cmdConfigSet},
		{name: "config|resetstat", handler: cmdConfigResetstat},
		{name: "config|rewrite", handler: cmdConfigRewrite},
		{name: "config|help", handler: cmdConfigHelp},
	}
}

// cmdConfigGet is configGetCommand: every argument is a name or a glob
// pattern; a name is reported as written, matches by their own names
// (aliases included), each once.
func cmdConfigGet(x *ctx) {
	cfg := x.s.config()
	type match struct {
		name string
		o    *option
	}
	var matches []match
	seen := make(map[string]bool)
	add := func(name string, o *option) {
		seen[strings.ToLower(name)] = true
		matches = append(matches, match{name, o})
	}
	for _, a := range x.argv[2:] {
		arg := string(a)
		if !strings.ContainsAny(arg, "[*?") {
			if seen[strings.ToLower(arg)] {
				continue
			}
			if e, ok := lookupOption(arg); ok {
				add(arg, e.o)
			}
			continue
		}
		for _, name := range optionTable.names {
			if !seen[name] && globMatch(a, []byte(name), true) {
				add(name, optionTable.byName[name].o)
			}
		}
	}
	x.w.mapHeader(len(matches))
	for _, m := range matches {
		x.w.bulkString(m.name)
		x.w.bulkString(m.o.get(cfg))
	}
}

// cmdConfigSet is configSetCommand: every pair is checked (known, mutable,
// not repeated) before any is set; all are set on a copy of the
// configuration, which is stored only if every value parses and the result
// is runnable. Nothing changes on error.
func cmdConfigSet(x *ctx) {
	if len(x.argv)%2 != 0 {
		x.err(errSyntax)
		return
	}
	type pair struct {
		entry optionEntry
		name  string // the name as looked up: an alias reports as itself
		value string
	}
	pairs := make([]pair, 0, (len(x.argv)-2)/2)
	cfg := x.s.config()
	for i := 2; i < len(x.argv); i += 2 {
		arg := string(x.argv[i])
		e, ok := lookupOption(arg)
		if !ok {
			x.errf(errConfigUnknown, arg)
			return
		}
		switch {
		case e.o.flags&optImmutable != 0:
			x.errf(errConfigSet, arg, errConfigImmut)
			return
		case e.o.flags&optProtected != 0 && !protectedActionAllowed(cfg.EnableProtectedConfigs, x.c):
			x.errf(errConfigSet, arg, errConfigProtect)
			return
		}
		for _, p := range pairs {
			// An alias and its option are distinct entries in Redis.
			if p.entry == e {
				x.errf(errConfigSet, arg, errConfigDupParam)
				return
			}
		}
		name := e.o.name
		if e.alias {
			name = e.o.alias
		}
		pairs = append(pairs, pair{e, name, string(x.argv[i+1])})
	}

	x.s.configMu.Lock()
	defer x.s.configMu.Unlock()
	nc := x.s.config().clone()
	setDir := false
	for _, p := range pairs {
		args := []string{p.value}
		if p.entry.o.flags&optMultiArg != 0 {
			// performInterfaceSet splits on single spaces (sdssplitlen).
			args = nil
			if p.value != "" {
				args = strings.Split(p.value, " ")
			}
		}
		if err := p.entry.o.set(nc, args); err != nil {
			x.errf(errConfigSet, p.name, err.Error())
			return
		}
		setDir = setDir || p.entry.o.name == "dir"
	}
	if name, reason := nc.check(); reason != "" {
		x.errf(errConfigSet, name, reason)
		return
	}
	if setDir {
		if err := os.Chdir(nc.Dir); err != nil {
			x.errf(errConfigSet, "dir", errorText(err))
			return
		}
	}
	if nc.LogLevel != nil {
		nc.LogLevel.SetLevel(ZapLevel(nc.Loglevel))
	}
	x.s.cfg.Store(nc)
	x.w.ok()
}

// protectedActionAllowed is allowProtectedAction: "yes", or "local" for a
// client on the loopback interface (islocalClient).
func protectedActionAllowed(setting string, c *client) bool {
	switch setting {
	case "yes":
		return true
	case "local":
		host, _, err := net.SplitHostPort(c.addr)
		return err == nil && (host == "127.0.0.1" || host == "::1")
	}
	return false
}

// cmdConfigResetstat is configResetStatCommand.
func cmdConfigResetstat(x *ctx) {
	x.s.resetStats()
	x.w.ok()
}

// resetStats zeroes what INFO counts, as resetServerStats,
// resetCommandTableStats and resetErrorTableStats do. The slow log and the
// last save time stay.
func (s *Server) resetStats() {
	st := &s.stats
	for _, n := range []interface{ Store(int64) }{
		&st.commands, &st.connections, &st.rejectedConns, &st.hits, &st.misses,
		&st.netIn, &st.netOut, &st.errorReplies, &st.opsPerSec,
	} {
		n.Store(0)
	}
	st.sampleMu.Lock()
	st.samples = [len(st.samples)]int64{}
	st.sampleIdx = 0
	st.lastCount = 0
	st.lastTime = time.Time{}
	st.sampleMu.Unlock()
	s.store.ResetStats()
	s.errors.reset()
	for _, c := range s.table.cmds {
		c.resetStats()
		for _, sub := range c.subs {
			sub.resetStats()
		}
	}
}

func (c *command) resetStats() {
	c.stats.calls.Store(0)
	c.stats.usec.Store(0)
	c.stats.rejected.Store(0)
	c.stats.failed.Store(0)
}

// cmdConfigRewrite is configRewriteCommand: the file the server started
// from is rewritten for the current configuration.
func cmdConfigRewrite(x *ctx) {
	if x.s.cfgFile == "" {
		x.err(errNoConfigFile)
		return
	}
	x.s.configMu.Lock()
	defer x.s.configMu.Unlock()
	if err := rewriteConfigFile(x.s.cfgFile, x.s.config()); err != nil {
		x.s.log.Warn("config rewrite failed", zap.String("file", x.s.cfgFile), zap.Error(err))
		x.errf(errConfigRewrite, errorText(err))
		return
	}
	x.s.log.Info("config rewrite executed with success", zap.String("file", x.s.cfgFile))
	x.w.ok()
}

func cmdConfigHelp(x *ctx) {
	x.help("CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
