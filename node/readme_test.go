package node

import (
	"os"
	"testing"
)

// TestReadmeCommandListIsCurrent fails when README.md's list of supported
// commands differs from the command table, so the two cannot drift apart.
func TestReadmeCommandListIsCurrent(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	updated, err := UpdateCommandsSection(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if updated != string(data) {
		t.Fatal("README.md's Supported commands list differs from the command table: run `make docs`")
	}
}
