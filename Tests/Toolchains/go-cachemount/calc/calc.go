// Package calc is the package the go-cachemount check changes between its two builds
// (scripts/oracle/toolchains edits the marked line).
package calc

// Sum adds numbers, scaled by the factor on the marked line.
//
//go:noinline
func Sum(numbers ...int) int {
	factor := 1 // changed by the check
	total := 0
	for _, n := range numbers {
		total += n * factor
	}
	return total
}
