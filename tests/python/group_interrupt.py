"""Interrupts a program as a terminal's Ctrl-C does, while it runs a child.

Starts the command given after "--" in a process group of its own (as a
shell's job control would), waits for its first line of output (so that it
is past its start), then until it has a child process named by --child,
then sends SIGINT to the whole group, which is what a terminal
sends on Ctrl-C. It prints "child seen" (or "child never seen" after
--wait seconds, and interrupts the group then), the command's exit code
and its stderr, each on a line, and exits 0.
"""

import argparse
import os
import signal
import subprocess
import sys
import time


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def name_of(pid):
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", required=True)
    parser.add_argument("--wait", type=float, default=10.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=os.setpgrp,
    )
    process.stdout.readline()
    seen = False
    deadline = time.monotonic() + options.wait
    while not seen and time.monotonic() < deadline and process.poll() is None:
        seen = any(name_of(child) == options.child for child in children(process.pid))
    os.killpg(process.pid, signal.SIGINT)
    process.stdout.read()
    stderr = process.stderr.read().decode(errors="replace")
    code = process.wait()
    print("child seen" if seen else "child never seen")
    print(code)
    sys.stdout.write(stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
