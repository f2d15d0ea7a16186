package netpol

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestTmpCPU(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TMPCPU"))
	if n == 0 {
		t.Skip()
	}
	p := benchProgram(n, 50)
	mode := os.Getenv("TMPMODE")
	c0 := cpuTime()
	switch mode {
	case "index":
		index(p)
	case "build":
		idx, _ := index(p)
		for _, ns := range idx.namespaces {
			idx.build(ns, new(arena))
		}
	default:
		Emit(p)
	}
	t.Logf("%s cpu %v", mode, cpuTime()-c0)
}
