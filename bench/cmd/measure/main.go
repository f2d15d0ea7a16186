// Command measure runs a command several times and reports its wall time, CPU time
// (user + system, children included) and peak resident memory, as the kernel's
// rusage gives them (what GNU time -v prints), so bench/run.sh needs no GNU time.
//
//	measure [-runs 5] [-label NAME] [-stdout FILE] [-timeout 10m] [-exit 0] -- COMMAND ARGS...
//
// It prints one tab-separated line:
//
//	LABEL  RUNS  MEDIAN_WALL_S  MIN_WALL_S  MEDIAN_CPU_S  MAX_RSS_MB  EXIT
//
// A run that exits other than -exit (0 by default; netc diff exits 1 on a change) stops the measurement with the command's exit status in EXIT; a run
// past the timeout is killed and reported with EXIT "timeout".
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 5, "how many times to run the command")
	label := flag.String("label", "", "the label of the output line (default: the command)")
	stdout := flag.String("stdout", "", "write the command's standard output to `FILE` (default: discard)")
	timeout := flag.Duration("timeout", 10*time.Minute, "kill a run after this long")
	want := flag.String("exit", "0", "the exit status of a successful run")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: measure [-runs N] [-label NAME] [-stdout FILE] [-timeout D] -- COMMAND ARGS...")
		os.Exit(2)
	}
	if *label == "" {
		*label = args[0]
	}
	var walls, cpus []float64
	var maxRSS int64
	status := *want
	for range *runs {
		wall, cpu, rss, st := run(args, *stdout, *timeout)
		if st != *want {
			status = st
			if st == "timeout" {
				walls = append(walls, wall)
			}
			break
		}
		walls = append(walls, wall)
		cpus = append(cpus, cpu)
		maxRSS = max(maxRSS, rss)
	}
	fmt.Printf("%s\t%d\t%.3f\t%.3f\t%.3f\t%.0f\t%s\n", *label, len(walls), median(walls), minOf(walls), median(cpus), float64(maxRSS)/1024, status)
}

// run runs the command once: wall seconds, CPU seconds, peak RSS in KiB, exit status.
func run(args []string, stdout string, timeout time.Duration) (float64, float64, int64, string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = io.Discard
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(2)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(2)
	}
	timer := time.AfterFunc(timeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	wall := time.Since(start).Seconds()
	timedOut := !timer.Stop()
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var cpu float64
	var rss int64
	if ru != nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		rss = ru.Maxrss // KiB on Linux
	}
	switch {
	case timedOut:
		return wall, cpu, rss, "timeout"
	case err != nil:
		return wall, cpu, rss, fmt.Sprint(cmd.ProcessState.ExitCode())
	}
	return wall, cpu, rss, "0"
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Min(xs)
}
