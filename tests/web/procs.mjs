// More `fieldd serve` processes on the test database (run_web.py gives its URL and the
// binary): a second process behind the same database, or one the test stops and starts
// again on the same port (the browser's origin stays the same across the restart).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const BIN = process.env.FIELDD_BIN;
const DATABASE_URL = process.env.FIELDD_TEST_DATABASE_URL;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export class Fieldd {
  constructor(port) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = '';
  }

  // Starts `fieldd serve` and waits until /healthz answers.
  async start() {
    if (!BIN || !DATABASE_URL) throw new Error('run through tests/web/run_web.py (FIELDD_BIN, FIELDD_TEST_DATABASE_URL)');
    this.proc = spawn(BIN, ['serve'], {
      env: { ...process.env, DATABASE_URL, FIELDD_LISTEN: `127.0.0.1:${this.port}`, FIELDD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b) => { this.log = (this.log + b.toString()).slice(-4000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve(code ?? sig)));
    for (let i = 0; i < 200; i++) {
      if (this.proc.exitCode !== null) throw new Error(`fieldd exited: ${this.log}`);
      try {
        const r = await fetch(this.url + '/healthz');
        if (r.ok) return this;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`fieldd on ${this.port} not ready: ${this.log}`);
  }

  // SIGTERM (open event streams end cleanly) and the exit code.
  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.proc && this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}
