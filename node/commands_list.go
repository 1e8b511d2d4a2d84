package node

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// CommandDoc describes one implemented command, for the documentation.
type CommandDoc struct {
	// Name is the command as a client types it, upper case: "GET" or
	// "CLIENT LIST".
	Name string
	// Group is Redis's command group: "string", "generic", "server"...
	Group string
	// Summary is Redis's one-line description.
	Summary string
}

// Markers around the generated command list in README.md.
const (
	CommandsStartMarker = "<!-- commands:start -->"
	CommandsEndMarker   = "<!-- commands:end -->"
)

// commandGroups orders Redis's command groups for the documentation and
// gives each a title.
var commandGroups = []struct{ name, title string }{
	{"generic", "Keys"},
	{"string", "Strings"},
	{"bitmap", "Bitmaps"},
	{"list", "Lists"},
	{"hash", "Hashes"},
	{"set", "Sets"},
	{"sorted-set", "Sorted sets"},
	{"hyperloglog", "HyperLogLog"},
	{"geo", "Geo"},
	{"stream", "Streams"},
	{"pubsub", "Pub/Sub"},
	{"transactions", "Transactions"},
	{"scripting", "Scripting"},
	{"connection", "Connection"},
	{"server", "Server"},
	{"cluster", "Cluster"},
}

// CommandDocs lists every command slotd implements, read from the command
// table and the Redis metadata it embeds, sorted by name. A container such
// as CLIENT is listed as its implemented subcommands.
func CommandDocs() ([]CommandDoc, error) {
	t, err := newCommandTable()
	if err != nil {
		return nil, err
	}
	var out []CommandDoc
	for _, c := range t.cmds {
		if c.handler != nil {
			out = append(out, commandDoc(c))
		}
		for _, sub := range c.subs {
			if sub.handler != nil {
				out = append(out, commandDoc(sub))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func commandDoc(c *command) CommandDoc {
	d := CommandDoc{Name: strings.ToUpper(strings.ReplaceAll(c.fullName, "|", " "))}
	var m []any
	if json.Unmarshal(c.docs, &m) == nil {
		d.Group, _ = mapGet(m, "group").(string)
		d.Summary, _ = mapGet(m, "summary").(string)
		d.Group = strings.TrimPrefix(d.Group, "$")
		d.Summary = strings.TrimPrefix(d.Summary, "$")
	}
	if d.Group == "" && c.parent != nil {
		// Subcommands added by slotd's extra metadata may carry no docs;
		// they belong with their container.
		d.Group = commandDoc(c.parent).Group
	}
	return d
}

// CommandsMarkdown renders the README's list of supported commands: one
// table row per Redis group with the commands slotd implements in it.
func CommandsMarkdown() (string, error) {
	docs, err := CommandDocs()
	if err != nil {
		return "", err
	}
	byGroup := map[string][]string{}
	for _, d := range docs {
		byGroup[d.Group] = append(byGroup[d.Group], "`"+d.Name+"`")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "slotd implements %d commands and subcommands, with Redis 7.0's arity, flags, key specs and replies. This list is generated from the command table by `make docs`.\n\n", len(docs))
	b.WriteString("| Group | Commands |\n|---|---|\n")
	seen := map[string]bool{}
	row := func(title string, names []string) {
		fmt.Fprintf(&b, "| %s (%d) | %s |\n", title, len(names), strings.Join(names, " "))
	}
	for _, g := range commandGroups {
		seen[g.name] = true
		if names := byGroup[g.name]; len(names) > 0 {
			row(g.title, names)
		}
	}
	var rest []string
	for g := range byGroup {
		if !seen[g] {
			rest = append(rest, g)
		}
	}
	sort.Strings(rest)
	for _, g := range rest {
		title := g
		if title == "" {
			title = "Other"
		}
		row(title, byGroup[g])
	}
	return b.String(), nil
}

// UpdateCommandsSection returns readme with the text between
// CommandsStartMarker and CommandsEndMarker replaced by CommandsMarkdown.
func UpdateCommandsSection(readme string) (string, error) {
	start := strings.Index(readme, CommandsStartMarker)
	end := strings.Index(readme, CommandsEndMarker)
	if start < 0 || end < start {
		return "", fmt.Errorf("README has no %s ... %s section", CommandsStartMarker, CommandsEndMarker)
	}
	md, err := CommandsMarkdown()
	if err != nil {
		return "", err
	}
	head := readme[:start+len(CommandsStartMarker)]
	return head + "\n" + md + readme[end:], nil
}
