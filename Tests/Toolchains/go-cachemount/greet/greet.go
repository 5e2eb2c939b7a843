// Package greet is the package the go-cachemount check leaves unchanged.
package greet

import "strings"

// Hello greets name.
func Hello(name string) string {
	return "hello, " + strings.ToUpper(name)
}
