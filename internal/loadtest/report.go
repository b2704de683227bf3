package loadtest

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Targets of the benchmark (issue 15; the p99s from "Proof under load, faults and
// attack"). The NORMAL floor is printed for the record.
const (
	TargetFullFloorRatio = 2.0                    // durable counting forms vs the FULL floor
	TargetSubmitP99      = 100 * time.Millisecond // at 64 clients
	TargetReadP99        = 200 * time.Millisecond // dashboards meanwhile
)

func printResult(w io.Writer, cfg Config, r Result) {
	fmt.Fprintf(w, "\n== election-day mix: %d clients, %s ==\n", cfg.Clients, r.Mix.Elapsed.Round(time.Millisecond))
	r.Mix.Print(w)
	fmt.Fprintln(w)
	r.MixSubmit.Print(w)
	r.MixReads.Print(w)
	if cfg.Crashes == 0 && !cfg.InProcess {
		fmt.Fprintf(w, "server memory: RSS peak %s, VmHWM %s\n", mb(r.Memory.RSS), mb(r.Memory.HWM))
	}
	if r.PacedRate > 0 {
		fmt.Fprintf(w, "\n== the same mix paced: observers take %.0f steps/s in all (%.0f%% of the %.0f/s of the closed loop), %s ==\n",
			r.PacedRate, 100*cfg.Paced, float64(r.Mix.Steps)/r.Mix.Elapsed.Seconds(), r.Paced.Elapsed.Round(time.Millisecond))
		r.Paced.Print(w)
		fmt.Fprintln(w)
		r.PacedSubmit.Print(w)
		r.PacedReads.Print(w)
	}
	if r.FloorNormal.PerSec > 0 && r.Submit.PerSec > 0 {
		normal := r.FloorNormal
		if r.FloorNormalAfter.PerSec > normal.PerSec {
			normal = r.FloorNormalAfter
		}
		share := r.Submit.PerSec / normal.PerSec
		fmt.Fprintf(w, "\n== durable submissions against the floors (same client loop, %d clients) ==\n", cfg.Clients)
		if r.FloorNormalAfter.PerSec > 0 {
			fmt.Fprintf(w, "  floor, synchronous=NORMAL (no fsync):   %8.1f/s  p99 %s (before the forms %.1f/s, after %.1f/s: the higher counts)\n",
				normal.PerSec, ms(normal.P99), r.FloorNormal.PerSec, r.FloorNormalAfter.PerSec)
		} else {
			fmt.Fprintf(w, "  floor, synchronous=NORMAL (no fsync):   %8.1f/s  p99 %s\n", normal.PerSec, ms(normal.P99))
		}
		fmt.Fprintf(w, "  floor, synchronous=FULL (fsync each):   %8.1f/s  p99 %s\n", r.FloorFull.PerSec, ms(r.FloorFull.P99))
		fmt.Fprintf(w, "  Observer, counting forms (group commit): %7.1f/s  p99 %s (target < %s: %s)\n", r.Submit.PerSec, ms(r.Submit.P99),
			TargetSubmitP99, verdict(r.Submit.P99 < TargetSubmitP99))
		full := r.Submit.PerSec / r.FloorFull.PerSec
		fmt.Fprintf(w, "  = %.2f× the FULL floor (target ≥ %.0f×: %s), %.0f%% of the NORMAL floor\n",
			full, TargetFullFloorRatio, verdict(full >= TargetFullFloorRatio), 100*share)
		fmt.Fprintf(w, "  p99 of durable submissions in the mix %s (target < %s: %s); coordinator reads p99 %s (target < %s: %s)\n",
			ms(r.MixSubmit.P99), TargetSubmitP99, verdict(r.MixSubmit.P99 < TargetSubmitP99),
			ms(r.MixReads.P99), TargetReadP99, verdict(r.MixReads.P99 < TargetReadP99))
		if r.PacedRate > 0 {
			fmt.Fprintf(w, "  paced at %.0f%% of that load: p99 of durable submissions %s (target < %s: %s); coordinator reads p99 %s (target < %s: %s)\n",
				100*cfg.Paced, ms(r.PacedSubmit.P99), TargetSubmitP99, verdict(r.PacedSubmit.P99 < TargetSubmitP99),
				ms(r.PacedReads.P99), TargetReadP99, verdict(r.PacedReads.P99 < TargetReadP99))
		}
	}
	if cfg.Crashes > 0 {
		c := r.Crash
		fmt.Fprintf(w, "\n== crash test ==\n")
		fmt.Fprintf(w, "  kill -9: %d of %d survived; restarts took %s\n", c.Crashes, c.Planned, durations(c.Recovery))
		fmt.Fprintf(w, "  read back through the API right after the restarts: %d incidents, %d wrong or missing\n", c.ReadBack, c.ReadBackBad)
		for _, p := range c.ReadBackProblems {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	v := r.Verify
	fmt.Fprintf(w, "\n== verification of the database after the run ==\n")
	fmt.Fprintf(w, "  acknowledged and checked: %d observations, %d incidents, %d evidence files\n", v.Observations, v.Incidents, v.Evidence)
	fmt.Fprintf(w, "  missing %d, incomplete %d, duplicates %d; stored but never acknowledged %d\n", v.Missing, v.Incomplete, v.Duplicates, v.Unacked)
	audit := "verifies"
	if v.AuditError != "" {
		audit = "BROKEN: " + v.AuditError
	}
	fmt.Fprintf(w, "  audit chain: %d entries, %s; PRAGMA integrity_check: %s\n", v.AuditChecked, audit, v.Integrity)
	for _, p := range v.Problems {
		fmt.Fprintf(w, "    %s\n", p)
	}
	fmt.Fprintf(w, "  failed requests: %d\n", r.Errors())
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s to %s", s[0].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}
