package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// vmRSS returns the resident set size of pid in bytes, read from the VmRSS
// line of /proc/PID/status.
func vmRSS(pid int) (int64, error) {
	return procKB(fmt.Sprintf("/proc/%d/status", pid), "VmRSS:")
}

// pss returns the proportional set size of pid in bytes (shared pages are
// divided among the processes sharing them), from /proc/PID/smaps_rollup.
func pss(pid int) (int64, error) {
	return procKB(fmt.Sprintf("/proc/%d/smaps_rollup", pid), "Pss:")
}

// procKB reads the "<key> N kB" line of a /proc file, in bytes.
func procKB(path, key string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseKB(f, key)
}

func parseKB(r io.Reader, key string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, key))
		if len(fields) < 1 {
			break
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	// Kernel threads and zombies have no VmRSS.
	return 0, nil
}

// descendants returns the PIDs of every process below pid.
func descendants(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	children := map[int][]int{}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parens.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, err1 := strconv.Atoi(f[1])
		me, err2 := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err1 != nil || err2 != nil {
			continue
		}
		children[ppid] = append(children[ppid], me)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// rssSample is the memory of a server: its main process and its process
// tree (for servers that fork a process per connection, like Cyrus and
// Dovecot; the tree sum counts shared pages once per process).
type rssSample struct {
	Process int64 `json:"process_bytes"`
	Tree    int64 `json:"tree_bytes"`
	TreePss int64 `json:"tree_pss_bytes"` // 0 if smaps_rollup is unreadable
	Procs   int   `json:"tree_processes"`
}

func sampleRSS(pid int) (rssSample, error) {
	var s rssSample
	r, err := vmRSS(pid)
	if err != nil {
		return s, err
	}
	s.Process, s.Tree, s.Procs = r, r, 1
	s.TreePss, _ = pss(pid)
	for _, c := range descendants(pid) {
		if r, err := vmRSS(c); err == nil {
			s.Tree += r
			s.Procs++
			if p, err := pss(c); err == nil {
				s.TreePss += p
			}
		}
	}
	return s, nil
}
