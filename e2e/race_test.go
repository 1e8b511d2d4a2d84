//go:build race

package e2e

// raceEnabled is set when the tests run with -race; TestMain then builds
// slotd with -race too.
const raceEnabled = true
