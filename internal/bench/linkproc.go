package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// RelayChildFlag is the first argument that makes a program run
// RelayChildMain: cmd/wsbench checks for it before parsing its flags.
const RelayChildFlag = "-relay-child"

// RelayChildMain runs a Relay for a parent process (see Config.RelayCommand).
// args are the arguments from RelayChildFlag on:
//
//	-relay-child TARGET -relay-rtt DURATION -relay-bandwidth BYTES_PER_SECOND
//
// It writes the relay's address and a newline to stdout, relays until
// stdin ends (the parent closed it, or exited), then closes the relay and
// writes its RelayStats as one line of JSON.
func RelayChildMain(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("relay-child", flag.ContinueOnError)
	target := fs.String(strings.TrimPrefix(RelayChildFlag, "-"), "", "host:port to relay to")
	rtt := fs.Duration("relay-rtt", 0, "round-trip time")
	bw := fs.Int64("relay-bandwidth", 0, "bytes per second each way, 0 unlimited")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" {
		return errors.New("bench: relay child: no target")
	}
	r, err := StartRelay(*target, Link{RTT: *rtt, Bandwidth: *bw})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, r.Addr()); err != nil {
		r.Close()
		return err
	}
	io.Copy(io.Discard, stdin)
	r.Close()
	return json.NewEncoder(stdout).Encode(r.Stats())
}

// A relayProcess is a Relay running in a child process.
type relayProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	addr   string
}

// startRelayProcess runs argv with the RelayChildMain arguments for target
// and link appended, and waits for the address it listens on.
func startRelayProcess(argv []string, target string, link Link) (*relayProcess, error) {
	if len(argv) == 0 {
		return nil, errors.New("bench: empty relay command")
	}
	args := append(argv[1:len(argv):len(argv)], RelayChildFlag, target,
		"-relay-rtt", link.RTT.String(), "-relay-bandwidth", strconv.FormatInt(link.Bandwidth, 10))
	cmd := exec.Command(argv[0], args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &relayProcess{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(out)}
	got := make(chan error, 1)
	go func() {
		line, err := p.stdout.ReadString('\n')
		p.addr = strings.TrimSpace(line)
		got <- err
	}()
	select {
	case err = <-got:
	case <-time.After(30 * time.Second):
		err = errors.New("no address after 30s")
	}
	if err != nil || p.addr == "" {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("bench: relay process %s: %v", argv[0], err)
	}
	return p, nil
}

// stop closes the child's stdin, which makes it close its relay, and
// returns the stats it reports. A child that does not exit within 10 s
// is killed.
func (p *relayProcess) stop() (RelayStats, error) {
	p.stdin.Close()
	var st RelayStats
	done := make(chan error, 1)
	go func() {
		err := json.NewDecoder(p.stdout).Decode(&st)
		if werr := p.cmd.Wait(); err == nil {
			err = werr
		}
		done <- err
	}()
	select {
	case err := <-done:
		return st, err
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
		return st, errors.New("bench: relay process did not exit; killed")
	}
}
