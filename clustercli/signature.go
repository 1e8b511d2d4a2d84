package clustercli

import (
	"sort"
	"strings"
)

// ConfigSignature computes a node's view of the slot configuration from its
// CLUSTER NODES text, like clusterManagerGetConfigSignature: for every node
// that serves slots, "id:slot,slot,..." with the slot tokens as printed
// ("0-5460") sorted as strings, open-slot tokens ("[...]") left out; the
// entries are sorted and joined with '|'. Nodes that agree about which node
// serves which slots have equal signatures. It returns "" when no node
// serves a slot, which never counts as agreement.
//
// Like redis-cli it looks only at complete lines (ending in '\n') with more
// than the eight fixed fields.
func ConfigSignature(nodesText string) string {
	var configs []string
	lines := strings.Split(nodesText, "\n")
	for _, line := range lines[:len(lines)-1] {
		f := strings.Split(line, " ")
		if len(f) <= 8 || f[0] == "" {
			continue
		}
		var slots []string
		for _, tok := range f[8:] {
			if !strings.HasPrefix(tok, "[") {
				slots = append(slots, tok)
			}
		}
		if len(slots) == 0 {
			continue
		}
		sort.Strings(slots)
		configs = append(configs, f[0]+":"+strings.Join(slots, ","))
	}
	sort.Strings(configs)
	return strings.Join(configs, "|")
}
