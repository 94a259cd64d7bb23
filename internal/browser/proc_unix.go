//go:build unix

package browser

import (
	"os/exec"
	"syscall"
)

// setGroup puts the browser in its own process group, so that killGroup
// stops its zygote, renderer and GPU children too.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group that cmd leads (its id is cmd's pid).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		cmd.Process.Kill()
	}
}
