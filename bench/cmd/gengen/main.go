// Command gengen writes the benchmark workload of package bench/gen.
//
//	gengen -n 10000 -format netc > bench.net
//	gengen -n 10000 -format helm > values.yaml
//	gengen -n 10000 -format cue  > policies.cue
//	gengen -n 10000 -vary 100    > changed.net   (1% of the intents call another service)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/netc-dev/netc/bench/gen"
)

func main() {
	n := flag.Int("n", 10000, "number of services")
	format := flag.String("format", "netc", "output: netc, helm (chart values) or cue")
	vary := flag.Int("vary", 0, "change every `K`-th intent to call another service (0: none)")
	flag.Parse()
	w := gen.New(*n)
	if *vary > 0 {
		w = w.Vary(*vary)
	}
	var err error
	switch *format {
	case "netc":
		err = w.WriteNetc(os.Stdout)
	case "helm":
		err = w.WriteHelmValues(os.Stdout)
	case "cue":
		err = w.WriteCUE(os.Stdout)
	default:
		fmt.Fprintf(os.Stderr, "gengen: unknown -format %q (netc, helm or cue)\n", *format)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gengen:", err)
		os.Exit(2)
	}
}
