/**
 * What a large dataset upload costs `lab serve`: the server's peak RSS, the peak RSS of any process it starts,
 * and how long a second client waits for a small request while the upload is in flight.
 *   npx tsx scripts/measure-serve-upload.ts [--mb 99] [--via http|ws]
 * `--via http` is the browser client's path (POST /upload, streamed); `--via ws` is the older path (the whole file
 * base64 in one WebSocket message). The server is the real startServer in a process of its own
 * (test/helpers/serveChild.ts); a worker thread plays the second client, pinging `app.info` every 50 ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const megabytes = Number(option('--mb', '99'));
const via = option('--via', 'http');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lab-upload-measure-'));
const renderer = path.join(tmp, 'renderer');
mkdirSync(renderer);
writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>lab</title>');

// A words file of lowercase "names" (3–10 letters, like names.txt's), deterministic, just under the size asked for.
const file = path.join(tmp, 'words.txt');
{
  const target = Math.floor(megabytes * 1024 * 1024);
  const bytes = Buffer.alloc(target);
  let seed = 12345;
  let at = 0;
  for (;;) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const len = 3 + ((seed >>> 16) % 8);
    if (at + len + 1 > target) break;
    for (let k = 0; k < len; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[at++] = 97 + ((seed >>> 16) % 26);
    }
    bytes[at++] = 10;
  }
  writeFileSync(file, bytes.subarray(0, at));
}
const body = readFileSync(file);

const server = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/serveChild.ts', path.join(tmp, 'data'), renderer], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { port, token } = await new Promise<{ port: number; token: string }>((resolve) => {
  let out = '';
  server.stdout!.on('data', (d) => {
    out += String(d);
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
  });
});

/** kB of VmRSS / VmHWM of a process, 0 once it is gone. */
function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

const rssBefore = memoryKb(server.pid!, 'VmRSS');
let childPeakKb = 0;
const poll = setInterval(() => {
  for (const pid of childrenOf(server.pid!)) childPeakKb = Math.max(childPeakKb, memoryKb(pid, 'VmRSS'));
}, 25);

// The second client, in a thread of its own so the uploader's work cannot delay its pings.
const prober = new Worker(
  `
  const { parentPort, workerData } = require('node:worker_threads');
  const WebSocket = require('ws');
  const ws = new WebSocket('ws://127.0.0.1:' + workerData.port + '/ws?token=' + workerData.token, { origin: 'http://127.0.0.1:' + workerData.port });
  const waits = [];
  let id = 0, stop = false;
  ws.on('open', () => {
    const ping = () => {
      if (stop) return;
      const t0 = performance.now();
      const n = ++id;
      const onMessage = (data) => {
        if (JSON.parse(String(data)).id !== n) return;
        ws.off('message', onMessage);
        waits.push(performance.now() - t0);
        setTimeout(ping, 50);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: n, channel: 'app.info', payload: undefined }));
    };
    ping();
    parentPort.postMessage({ ready: true });
  });
  parentPort.on('message', () => { stop = true; setTimeout(() => { parentPort.postMessage({ waits }); ws.close(); }, 100); });
  `,
  { eval: true, workerData: { port, token } },
);
await new Promise((resolve) => prober.once('message', resolve));
await new Promise((resolve) => setTimeout(resolve, 500));

const t0 = performance.now();
let reply: { ok: boolean; value?: { wordCount: number }; error?: { message: string } };
if (via === 'ws') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: `http://127.0.0.1:${port}`, maxPayload: 1 << 30 });
  await new Promise((resolve) => ws.once('open', resolve));
  const message = JSON.stringify({ id: 1, channel: 'dataset.upload', payload: { name: 'words.txt', base64: body.toString('base64') } });
  reply = await new Promise((resolve) => {
    ws.on('message', (data) => resolve(JSON.parse(String(data)).reply));
    ws.on('close', (code) => resolve({ ok: false, error: { message: `socket closed (${code})` } }));
    ws.send(message);
  });
  ws.close();
} else {
  const res = await fetch(`http://127.0.0.1:${port}/upload?token=${token}&name=words.txt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Origin: `http://127.0.0.1:${port}` },
    body,
  });
  reply = (await res.json()) as typeof reply;
}
const uploadSeconds = (performance.now() - t0) / 1000;

prober.postMessage('stop');
const { waits } = await new Promise<{ waits: number[] }>((resolve) => prober.once('message', resolve));
clearInterval(poll);
const serverPeak = memoryKb(server.pid!, 'VmHWM');
server.kill('SIGKILL');
rmSync(tmp, { recursive: true, force: true });

waits.sort((a, b) => a - b);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
console.log(
  JSON.stringify(
    {
      via,
      fileMB: +(body.length / 1024 / 1024).toFixed(1),
      upload: reply.ok ? `ok, ${reply.value!.wordCount} words` : `failed: ${reply.error?.message}`,
      uploadSeconds: +uploadSeconds.toFixed(1),
      serverRssBefore: mb(rssBefore),
      serverPeakRss: mb(serverPeak),
      jobProcessPeakRss: mb(childPeakKb),
      secondClientPings: waits.length,
      secondClientWaitMedianMs: +(waits[Math.floor(waits.length / 2)] ?? NaN).toFixed(1),
      secondClientWaitMaxMs: +(waits[waits.length - 1] ?? NaN).toFixed(1),
    },
    null,
    2,
  ),
);
process.exit(0);
