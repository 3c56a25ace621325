package awstest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill moto_server if the test process dies
// without stopping it (a panic, a timeout).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
