"""Starts tests/gateway/gateway_test_server and stops it again (shared by the Python tests)."""
import os
import shutil
import subprocess
import tempfile


class GatewayServer:
    def __init__(self, binary, uid, extra=()):
        self.dir = tempfile.mkdtemp(prefix="pinpipe-gw-")
        self.proc = subprocess.Popen(
            [binary, "--uid", uid, "--dir", os.path.join(self.dir, "log"), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("gateway_test_server did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # the server exits when stdin closes
            self.proc.stdout.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
