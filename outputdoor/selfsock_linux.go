package outputdoor

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// selfListening reports whether this process holds a listening socket for
// the forward target: a unix socket bound to the path, or a TCP socket
// listening on the port. It reads /proc (proc(5): /proc/net/unix,
// /proc/net/tcp{,6}, /proc/self/fd), so it needs no privileges.
func selfListening(network, address string) bool {
	if threadedForwardInput() {
		return false
	}
	inodes := socketInodes()
	if len(inodes) == 0 {
		return false
	}
	switch network {
	case "unix":
		return unixListening(address, inodes)
	case "tcp":
		_, port, err := net.SplitHostPort(address)
		if err != nil {
			return false
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return false
		}
		return tcpListening("/proc/net/tcp", p, inodes) || tcpListening("/proc/net/tcp6", p, inodes)
	}
	return false
}

// socketInodes returns the inodes of this process's sockets.
func socketInodes() map[string]bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && strings.HasPrefix(target, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	return out
}

// unixListening: /proc/net/unix lines are
// "Num RefCount Protocol Flags Type St Inode Path"; Flags 00010000 is
// __SO_ACCEPTCON (listening).
func unixListening(path string, inodes map[string]bool) bool {
	return anyLine("/proc/net/unix", func(fields []string) bool {
		return len(fields) >= 8 && fields[7] == path && fields[3] == "00010000" && inodes[fields[6]]
	})
}

// tcpListening: /proc/net/tcp lines are "sl local_address rem_address st
// ... inode"; st 0A is LISTEN, the port is hex after the colon, the inode is
// field 9.
func tcpListening(file string, port int, inodes map[string]bool) bool {
	return anyLine(file, func(fields []string) bool {
		if len(fields) < 10 || fields[3] != "0A" {
			return false
		}
		i := strings.LastIndexByte(fields[1], ':')
		if i < 0 {
			return false
		}
		p, err := strconv.ParseUint(fields[1][i+1:], 16, 32)
		return err == nil && int(p) == port && inodes[fields[9]]
	})
}

// anyLine reports whether match holds for the fields of any line of file
// (false when it cannot be read).
func anyLine(file string, match func(fields []string) bool) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if match(strings.Fields(sc.Text())) {
			return true
		}
	}
	return false
}

// threadedForwardInput reports whether a thread of this process is a
// threaded forward input: Fluent Bit names them "flb-in-<instance>-w<N>"
// (src/flb_input_thread.c), truncated to 15 characters by the kernel.
func threadedForwardInput() bool {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return false
	}
	for _, t := range tasks {
		comm, err := os.ReadFile("/proc/self/task/" + t.Name() + "/comm")
		if err == nil && strings.HasPrefix(string(comm), "flb-in-forward") {
			return true
		}
	}
	return false
}

// threadID is the calling OS thread's id: the flush compares it with
// Init's to tell it runs on Fluent Bit's engine thread (workers 0).
func threadID() int { return syscall.Gettid() }
