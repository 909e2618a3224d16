"""A small Server-Sent Events client on a raw socket (stdlib only; not a test module).

    SseStream(port, token, last_event_id=None, headers=None)
      .status .headers (lower-case names) .events (every block received, in order)
      next(timeout)          -> the next block as a dict, or None when the stream ended
      until(pred, timeout)   -> the first block with pred(block), reading past others
      ended(timeout)         -> True once the server ended the stream cleanly (last chunk)

A block is {"id": str|None, "event": str|None, "data": str|None, "json": dict|None,
"comments": [str]}; an id-only block (no data) is kept too, as the browser keeps its id.
"""

import json
import socket
import time


class StreamEnded(AssertionError):
    pass


class SseStream:
    def __init__(self, port, token=None, last_event_id=None, headers=None, path="/api/v1/events",
                 timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port,
                 "Accept: text/event-stream"]
        if token:
            lines.append("Authorization: Bearer %s" % token)
        if last_event_id is not None:
            lines.append("Last-Event-ID: %s" % last_event_id)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""
        self.body = b""
        self.done = False     # the last chunk arrived
        self.closed = False   # the socket closed
        self.events = []
        self._read_head(timeout)

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            b = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            b = b""
        if not b:
            self.closed = True
            return False
        self.raw += b
        return True

    def _read_head(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.raw:
            if not self._recv(deadline):
                raise AssertionError("no response head: %r" % self.raw[:200])
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        if self.status != 200:
            n = int(self.headers.get("content-length", "0"))
            while len(self.raw) < n and self._recv(deadline):
                pass
            self.body_text = self.raw[:n].decode()
            self.close()

    def json_body(self):
        return json.loads(self.body_text)

    def _dechunk(self):
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            return
        while not self.done:
            i = self.raw.find(b"\r\n")
            if i < 0:
                return
            size = int(self.raw[:i].split(b";")[0], 16)
            if size == 0:
                self.done = True
                return
            if len(self.raw) < i + 2 + size + 2:
                return
            self.body += self.raw[i + 2:i + 2 + size]
            self.raw = self.raw[i + 2 + size + 2:]

    def _block(self):
        i = self.body.find(b"\n\n")
        if i < 0:
            return None
        text, self.body = self.body[:i].decode(), self.body[i + 2:]
        b = {"id": None, "event": None, "data": None, "json": None, "comments": [],
             "retry": None}
        for line in text.split("\n"):
            if line.startswith(":"):
                b["comments"].append(line[1:].strip())
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "data":
                b["data"] = v if b["data"] is None else b["data"] + "\n" + v
            elif k in ("id", "event", "retry"):
                b[k] = v
        if b["data"] is not None:
            b["json"] = json.loads(b["data"])
        return b

    def next(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            self._dechunk()
            b = self._block()
            if b is not None:
                self.events.append(b)
                return b
            if self.done or self.closed:
                return None
            if not self._recv(deadline):
                if self.closed:
                    continue
                raise AssertionError("no event within %ss; got so far: %r"
                                     % (timeout, self.events[-5:]))

    def until(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            b = self.next(max(0.01, deadline - time.monotonic()))
            if b is None:
                raise StreamEnded("the stream ended before the awaited event; got %r"
                                  % self.events[-5:])
            if pred(b):
                return b

    def changes(self):
        """The change events received so far (not heartbeats, id-only blocks or resyncs)."""
        return [b for b in self.events if b["json"] and b["event"] != "resync"]

    def last_id(self):
        ids = [b["id"] for b in self.events if b["id"] is not None]
        return ids[-1] if ids else None

    def ended(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not (self.done or self.closed):
            if not self._recv(deadline):
                if not self.closed:
                    return False
            self._dechunk()
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
