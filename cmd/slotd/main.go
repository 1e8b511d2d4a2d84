// Command slotd runs one slotd node. Usage mirrors redis-server:
//
//	slotd [config-file] [--option value ...]
//
// It parses the configuration, builds the logger, runs node.Server and
// handles signals. Nothing else lives here, except the dispatch of
// `slotd cluster ...` to the cluster administration tool (clustercli).
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/slotd/slotd/clustercli"
	"github.com/slotd/slotd/node"
)

// daemonEnv marks the re-executed child of "daemonize yes".
const daemonEnv = "SLOTD_DAEMONIZED"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "cluster" {
		os.Exit(clustercli.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Printf("slotd v=%s (Redis %s compatible)\n", node.Version, node.Version)
		return 0
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Println("Usage: slotd [/path/to/slotd.conf] [--option value ...]")
		return 0
	}
	cfg, err := node.ParseArgs(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slotd: fatal config error: %v\n", err)
		return 1
	}
	if cfg.Daemonize && os.Getenv(daemonEnv) == "" {
		return daemonize(args)
	}
	log, err := buildLogger(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slotd: %v\n", err)
		return 1
	}
	defer func() { _ = log.Sync() }()
	// The config file path is taken before the chdir into dir, so CONFIG
	// REWRITE and INFO's config_file name the file that was read.
	cfgFile := ""
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		if cfgFile, err = filepath.Abs(args[0]); err != nil {
			log.Error("can't resolve config file path", zap.Error(err))
			return 1
		}
	}
	if cfg.Dir != "" && cfg.Dir != "." {
		if err := os.Chdir(cfg.Dir); err != nil {
			log.Error("can't chdir to dir", zap.String("dir", cfg.Dir), zap.Error(err))
			return 1
		}
	}
	cfg.Logger = log
	srv, err := node.New(cfg)
	if err != nil {
		log.Error("can't start", zap.Error(err))
		return 1
	}
	if cfgFile != "" {
		srv.SetConfigFile(cfgFile)
	}
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	log.Info(fmt.Sprintf("slotd version=%s, mode=%s, port=%d, PID: %d", node.Version, mode, cfg.Port, os.Getpid()))
	if cfg.Pidfile != "" {
		if err := node.WritePidfile(cfg.Pidfile); err != nil {
			log.Warn("failed to write pid file", zap.String("pidfile", cfg.Pidfile), zap.Error(err))
		}
		defer os.Remove(cfg.Pidfile)
	}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("failed listening", zap.Error(err))
		return 1
	}
	log.Info("Ready to accept connections", zap.Int("port", cfg.Port))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Info("received signal, scheduling shutdown", zap.String("signal", s.String()))
	case <-srv.ShutdownRequested():
		log.Info("user requested shutdown")
	}
	if err := srv.Close(); err != nil && !errors.Is(err, node.ErrServerClosed) {
		log.Warn("close failed", zap.Error(err))
	}
	log.Info("slotd is now ready to exit, bye bye")
	return 0
}

// daemonize re-executes slotd detached from the terminal, as "daemonize yes"
// asks; the parent exits at once, like redis-server's fork.
func daemonize(args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "slotd: daemonize: %v\n", err)
		return 1
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "slotd: daemonize: %v\n", err)
		return 1
	}
	return 0
}

// buildLogger builds the zap logger; CONFIG SET loglevel changes its level.
func buildLogger(cfg *node.Config) (*zap.Logger, error) {
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(node.ZapLevel(cfg.Loglevel))
	cfg.LogLevel = &zc.Level
	zc.Sampling = nil
	zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	zc.Encoding = cfg.LogFormat
	zc.DisableStacktrace = true
	zc.DisableCaller = true
	out := "stdout"
	if cfg.Logfile != "" {
		out = cfg.Logfile
	} else if cfg.Daemonize {
		out = "/dev/null"
	}
	zc.OutputPaths = []string{out}
	zc.ErrorOutputPaths = []string{"stderr"}
	if cfg.LogFormat == "console" {
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalLevelEncoder
	}
	return zc.Build(zap.Fields())
}
