// The program of the go-cachemount check: it uses both library packages.
package main

import (
	"fmt"

	"example.com/cachemount/calc"
	"example.com/cachemount/greet"
)

func main() {
	fmt.Println(greet.Hello("cache"), calc.Sum(1, 2, 3))
}
