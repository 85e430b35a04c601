#!/usr/bin/env python3
"""Runs every `pinpipe` command example of README.md and docs/*.md against a live node.

usage: docs_examples_test.py PINPIPE_BIN SOURCE_DIR

What counts as an example: every line of a fenced code block (```) that invokes `pinpipe` or
`./build/nodes/pinpipe` (after `VAR=... `, `|`, `&&` or `$ `); a line ending in `\\` or
followed by lines starting with `[` continues. Examples in running prose are not taken.

Each example is one of:
  synopsis  it has placeholders (`NAME`, `[--flag N]`, `a|b`): every `--flag` in it must be
            listed by `pinpipe <command> --help` (the docs and the parser agree);
  run       it is run as written, in document order (README.md first, then docs/*.md by
            name), with `bash -c` in a fresh working directory: it must exit 0 (or the code
            the EXPECT table gives). Lines ending in `&` start in the background (the README's
            node) and the test waits for the node's ready line. `cat > FILE <<'TAG'` blocks
            are written as files first, as a shell would.
  skipped   listed in SKIP below, each with the reason.

Adjustments, the same for every example: the node's ZeroMQ and gateway ports are free
ephemeral ports (PINPIPE_NODE_LISTEN / PINPIPE_GATEWAY_LISTEN in the environment, which the
config loader applies over the file), `./build/nodes/pinpipe` is this build's binary, /tmp/X
paths move into the test directory, and `simulate` examples run in a directory of their own
(a simulate is a whole node: it must not share ./data with the running one).

Checks beyond exit codes: every `query NAME` example prints at least one row (the README
walkthrough must end with results); `query --sql` examples may print none (dead letters).
Prints 'N passed, N failed, N skipped' last; exit 1 when an example broke.
"""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# Example text (a substring of the command line) -> why it is not run here.
SKIP = {
    "bash scripts/setup.sh": "installs Debian packages and builds the project (minutes, as root); "
                             "the test runs the binary that was built",
    "simulate --keep-serving": "runs until Ctrl-C; tests/cli/first_hour_test.cpp "
                               "(SimulateKeepServingServesTheNodeApiThatStatusTalksTo) runs it "
                               "as a real process with `status` against it",
    "simulate --course-timing": "sleeps the course's random 0-1 s per event by design (~10 s)",
    "pinpipe node 1 serving on": "sample output of `pinpipe node`, not a command",
    "pinpipe simulate: data directory": "sample output of `pinpipe simulate`, not a command",
    "tcp://127.0.0.1:717": "docs/cluster.md: a transcript against the 3-node cluster of "
                           "`cluster.sh start 3` (this test runs one node); ctest "
                           "cluster_script_test runs the same commands against a real one",
    "tcp://127.0.0.1:727": "docs/cluster.md: a transcript against a 3-node CURVE cluster "
                           "(ports 7271-7273) with keys made by the keygen line above it",
}
# Example text -> exit code it must end with (instead of 0).
EXPECT = {
    "pinpipe cluster status": 1,  # docs/cli.md: this test runs one node, which is no cluster
    "--evnts": 2,  # docs/cli.md shows the "did you mean" answer to a mistyped flag
    "tcp://127.0.0.1:7999": 1,  # docs/cli.md shows the error when no node answers
}
# Example text -> a command run once before it: the state the docs show it in. docs/simulate.md
# prints a real run's transcript, whose `$` commands read the directory of that run (named in
# the prose above it, not in a code block).
SETUP = {
    "--data-dir /tmp/simdoc": "pinpipe simulate --data-dir /tmp/simdoc --seed 100 --gateway-port 0",
}
GLOBAL_WITH_VALUE = {"-c", "--config", "-b", "--broker", "--server-key"}
PLACEHOLDER = re.compile(r"(^|\s)\[|\b[A-Z][A-Z_]{1,}\b|\w\|\w")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip_comment(line):
    """Drops a shell comment (# outside quotes, after whitespace)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def extract(path):
    """(line number, text, heredocs before it) of each pinpipe line in fenced blocks."""
    out, in_block, pending, lines = [], False, None, open(path, encoding="utf-8").read().split("\n")
    heredoc = None  # [file, tag, body lines]
    files = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        if raw.startswith("```"):
            in_block = not in_block
            pending = None
            continue
        if not in_block:
            continue
        if heredoc:
            if raw.strip() == heredoc[1]:
                files.append((heredoc[0], "\n".join(heredoc[2]) + "\n"))
                heredoc = None
            else:
                heredoc[2].append(raw)
            continue
        m = re.match(r"\s*cat > (\S+) <<'?(\w+)'?\s*$", raw)
        if m:
            heredoc = [m.group(1), m.group(2), []]
            continue
        text = strip_comment(raw)
        if pending is not None and (raw.startswith(" ") and text.strip().startswith("[")):
            out[-1] = (out[-1][0], out[-1][1] + " " + text.strip(), out[-1][2])
            continue
        while text.endswith("\\") and i < len(lines):
            text = text[:-1] + " " + strip_comment(lines[i]).strip()
            i += 1
        if re.search(r"(^|[|&;]\s*|^\$ |^\w+=\S*\s)(\./build/nodes/)?pinpipe(\s|:)", text.strip()):
            out.append((i, text.strip(), list(files)))
            files = []
            pending = True
        else:
            pending = None
    return out


def command_path(args):
    """['-c', 'x', 'batch', 'run', '--data-dir', ..] -> ['batch', 'run']."""
    path, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in GLOBAL_WITH_VALUE:
            skip = True
            continue
        if a.startswith("-") or not re.fullmatch(r"[a-z][a-z-]*", a):
            break
        path.append(a)
    return path


class Runner:
    def __init__(self, binary, source_dir):
        self.binary = os.path.abspath(binary)
        self.source = source_dir
        self.root = tempfile.mkdtemp(prefix="pinpipe-docs-")
        self.bin_dir = os.path.join(self.root, "bin")
        os.makedirs(self.bin_dir)
        os.symlink(self.binary, os.path.join(self.bin_dir, "pinpipe"))
        self.work = os.path.join(self.root, "work")
        os.makedirs(self.work)
        self.env = dict(os.environ)
        self.env["PATH"] = self.bin_dir + os.pathsep + self.env.get("PATH", "")
        self.env["PINPIPE_NODE_LISTEN"] = "tcp://127.0.0.1:%d" % free_port()
        self.env["PINPIPE_GATEWAY_LISTEN"] = "127.0.0.1:%d" % free_port()
        self.background = []
        self.passed = self.failed = self.skipped = 0
        self.help_cache = {}

    def adjust(self, cmd):
        cmd = re.sub(r"^\$ ", "", cmd)
        cmd = cmd.replace("./build/nodes/pinpipe", "pinpipe")
        return re.sub(r"(?<![\w.])/tmp/", self.root + "/tmp/", cmd)

    def help_of(self, path):
        key = tuple(path)
        if key not in self.help_cache:
            r = subprocess.run([self.binary] + path + ["--help"], capture_output=True, text=True,
                               timeout=20)
            self.help_cache[key] = r.stdout + r.stderr
        return self.help_cache[key]

    def report(self, where, cmd, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok    %s: %s" % (where, cmd))
        else:
            self.failed += 1
            print("FAIL  %s: %s\n%s" % (where, cmd, detail))
        sys.stdout.flush()

    def check_synopsis(self, where, cmd):
        args = shlex.split(cmd.replace("[", " ").replace("]", " ").replace("|", " "))
        args = args[args.index("pinpipe") + 1:] if "pinpipe" in args else args[1:]
        path = command_path(args)
        help_text = self.help_of(path)
        missing = [f for f in re.findall(r"(?<![\w-])--[a-z][a-z-]*", cmd)
                   if not re.search(re.escape(f) + r"(?![\w-])", help_text)]
        self.report(where, cmd, not missing,
                    "flags not in `pinpipe %s --help`: %s" % (" ".join(path), missing))

    def run(self, where, cmd, files):
        for key, setup in list(SETUP.items()):
            if key in cmd:
                del SETUP[key]
                r = subprocess.run(["bash", "-c", self.adjust(setup)], cwd=self.work, env=self.env,
                                   capture_output=True, text=True, timeout=90)
                print("setup %s (exit %d)" % (setup, r.returncode))
        cwd = self.work
        for name, body in files:
            with open(os.path.join(cwd, name), "w") as f:
                f.write(body)
        shell_cmd = self.adjust(cmd)
        if re.search(r"\bpinpipe\s+simulate\b", shell_cmd):
            cwd = tempfile.mkdtemp(prefix="sim-", dir=self.root)
            shell_cmd += " --gateway-port 0"
        os.makedirs(self.root + "/tmp", exist_ok=True)
        if shell_cmd.endswith("&"):
            return self.start_background(where, cmd, shell_cmd[:-1], cwd)
        expect = next((code for key, code in EXPECT.items() if key in cmd), 0)
        t0 = time.time()
        try:
            r = subprocess.run(["bash", "-c", shell_cmd], cwd=cwd, env=self.env,
                               capture_output=True, text=True, timeout=90)
        except subprocess.TimeoutExpired:
            return self.report(where, cmd, False, "did not finish within 90 s")
        out = r.stdout + r.stderr
        ok = r.returncode == expect
        detail = "exit %d (expected %d) after %.1f s\n%s" % (r.returncode, expect,
                                                            time.time() - t0, out[-3000:])
        if ok and re.search(r"\bquery\b", cmd) and "--list" not in cmd and "--sql" not in cmd:
            rows = re.search(r"\b(\d+) rows?\b", out)
            if not rows or int(rows.group(1)) == 0:
                ok, detail = False, "the query printed no rows:\n" + out[-3000:]
        self.report(where, cmd, ok, detail)

    def start_background(self, where, cmd, shell_cmd, cwd):
        log = open(os.path.join(self.root, "background-%d.log" % len(self.background)), "w+")
        p = subprocess.Popen(["bash", "-c", "exec " + shell_cmd.strip()], cwd=cwd, env=self.env,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.background.append(p)
        deadline = time.time() + 30
        while time.time() < deadline and p.poll() is None:
            log.seek(0)
            text = log.read()
            if "serving on" in text and ("gateway listening" in text or "roles" not in text):
                return self.report(where, cmd, True)
            time.sleep(0.1)
        log.seek(0)
        self.report(where, cmd, False, "no ready line within 30 s:\n" + log.read()[-3000:])

    def stop(self):
        for p in self.background:  # only the processes this test started
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runner = Runner(sys.argv[1], sys.argv[2])
    docs = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(sys.argv[2], "docs"))
                                  if f.endswith(".md"))
    t0 = time.time()
    try:
        for doc in docs:
            for line_no, cmd, files in extract(os.path.join(sys.argv[2], doc)):
                where = "%s:%d" % (doc, line_no)
                reason = next((why for key, why in SKIP.items() if key in cmd), None)
                if reason:
                    runner.skipped += 1
                    print("skip  %s: %s\n      (%s)" % (where, cmd, reason))
                elif PLACEHOLDER.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", cmd)):
                    runner.check_synopsis(where, cmd)
                else:
                    runner.run(where, cmd, files)
    finally:
        runner.stop()
    print("docs examples: %.0f s" % (time.time() - t0))
    if runner.failed:
        print("data of the failed run kept in %s" % runner.root)
    else:
        shutil.rmtree(runner.root, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (runner.passed, runner.failed, runner.skipped))
    sys.exit(1 if runner.failed else 0)


if __name__ == "__main__":
    main()
