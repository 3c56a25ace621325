// Command comply scans cloud resources against compliance rules and runs the
// comply ChatOps bot. See README.md and CONTRACT.md for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// Exit codes of CONTRACT.md.
const (
	exitOK         = 0
	exitFindings   = 1
	exitUsage      = 2
	exitIncomplete = 3
)

// exitError carries an exit code out of a command; its message is printed as
// one line on stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// env is everything a command touches of the process, so tests run commands
// in-process.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	stdoutTTY      bool
	stderrTTY      bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{
		stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

const mainUsage = `comply - continuous compliance for AWS

Usage:
  comply scan [flags]            scan sources against the rules (see comply scan --help)
  comply rules list [flags]      list the loaded rules
  comply rules lint [PATH...]    compile rule files; file:line: rule-id: message per error
  comply rules test [PATH...]    run rule test fixtures
  comply rules types [--markdown] resource types and their attributes
  comply report --framework NAME per-control compliance report (see comply report --help)
  comply serve [flags]           run the Slack bot (see comply serve --help)
  comply routes test|show       where findings would be delivered (see comply routes --help)
  comply evidence verify|export check or bundle the evidence chain (see comply evidence help)
  comply version                 version, commit and build date

Exit codes: 0 ok, 1 failing findings, 2 usage or input error, 3 scan incomplete.
`

// run executes one command line and returns the exit code. Errors are printed
// as a single line; no command panics on user input.
func run(ctx context.Context, e *env, args []string) int {
	err := dispatch(ctx, e, args)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err != errSilent {
			fmt.Fprintln(e.stderr, "comply: "+oneLine(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(e.stderr, "comply: "+oneLine(err.Error()))
	return exitUsage
}

// errSilent marks an exit code whose explanation was already printed.
var errSilent = errors.New("")

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return &exitError{exitUsage, errSilent}
	}
	switch args[0] {
	case "scan":
		return cmdScan(ctx, e, args[1:])
	case "rules":
		return cmdRules(ctx, e, args[1:])
	case "report":
		return cmdReport(ctx, e, args[1:])
	case "routes":
		return cmdRoutes(e, args[1:])
	case "serve":
		return cmdServe(ctx, e, args[1:])
	case "evidence":
		return cmdEvidence(ctx, e, args[1:])
	case "version", "--version":
		return cmdVersion(e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, mainUsage)
		return nil
	}
	return usageErr("unknown command %q (try: comply help)", args[0])
}

// oneLine keeps only the first line of an error, so no multi-line library
// message (or stack) reaches the user.
func oneLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
