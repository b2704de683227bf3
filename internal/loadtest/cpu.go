package loadtest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUUse is what a measured phase cost the machine: the server's CPU time, the
// load generator's (this process: every client of the run), and the share of
// the machine's time nobody used (idle or waiting for the disk). On two cores
// shared by server and clients, a throughput is only comparable with the CPU
// each request cost both.
type CPUUse struct {
	Server, Client time.Duration
	Idle           float64 // 0..1
	OK             bool    // all three could be read
}

// PerRequest formats the CPU of one request of n.
func (u CPUUse) PerRequest(n int) string {
	if !u.OK || n == 0 {
		return "CPU not measured"
	}
	per := func(d time.Duration) string { return strconv.Itoa(int(d.Microseconds()/int64(n))) + " µs" }
	return fmt.Sprintf("CPU a request: server %s, load generator %s; machine idle %.0f%%", per(u.Server), per(u.Client), 100*u.Idle)
}

// cpuSnapshot is the counters a CPUUse is the difference of.
type cpuSnapshot struct {
	server, client  time.Duration
	idle, total     uint64
	serverOK, macOK bool
}

// meterCPU starts measuring; the function it returns stops and reports. pid is
// the server's process.
func meterCPU(pid int) func() CPUUse {
	start := takeCPU(pid)
	return func() CPUUse {
		end := takeCPU(pid)
		u := CPUUse{Server: end.server - start.server, Client: end.client - start.client,
			OK: start.serverOK && end.serverOK && start.macOK && end.macOK}
		if t := end.total - start.total; t > 0 {
			u.Idle = float64(end.idle-start.idle) / float64(t)
		}
		return u
	}
}

func takeCPU(pid int) cpuSnapshot {
	var s cpuSnapshot
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.client = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if pid == 0 {
		s.serverOK = true
	} else if d, err := serverCPU(pid); err == nil {
		s.server, s.serverOK = d, true
	}
	if idle, total, err := machineCPU(); err == nil {
		s.idle, s.total, s.macOK = idle, total, true
	}
	return s
}

// clockTicks is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTicks = 100

// serverCPU reads a process's user and system time from /proc/PID/stat.
func serverCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: the fields after it follow ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("loadtest: /proc/%d/stat unreadable", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("loadtest: /proc/%d/stat too short", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("loadtest: /proc/%d/stat unreadable", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// machineCPU reads the idle (idle + iowait) and total ticks of all CPUs.
func machineCPU() (idle, total uint64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("loadtest: /proc/stat unreadable")
	}
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("loadtest: /proc/stat unreadable")
		}
		if i >= 8 { // after steal: guest times, already counted in user
			break
		}
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return idle, total, nil
}
