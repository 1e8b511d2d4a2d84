// Command gendocs regenerates the "Supported commands" list of README.md
// from slotd's command table, between the <!-- commands:start --> and
// <!-- commands:end --> markers. With -check it only reports whether the
// list is current. `make docs` runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/slotd/slotd/node"
)

func main() {
	path := flag.String("readme", "README.md", "the README to update")
	check := flag.Bool("check", false, "fail if the README's command list is stale instead of rewriting it")
	flag.Parse()
	os.Exit(run(*path, *check))
}

func run(path string, check bool) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		return 1
	}
	updated, err := node.UpdateCommandsSection(string(data))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %s: %v\n", path, err)
		return 1
	}
	if updated == string(data) {
		return 0
	}
	if check {
		fmt.Fprintf(os.Stderr, "gendocs: %s: the command list is stale; run make docs\n", path)
		return 1
	}
	if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		return 1
	}
	return 0
}
