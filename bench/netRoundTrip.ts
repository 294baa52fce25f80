/**
 * `node dist/bench/netRoundTrip.js [--exchanges N] [--in-process]`: the
 * loopback round trip of one 8-word exchange over the framed link's
 * PeerChannel, printed as one JSON object per link kind:
 * plaintext, TLS 1.3-PSK (the default) and TLS 1.2-PSK.
 *
 * Party 1 runs in a child process per kind (this script with --serve), party
 * 0 here, unless --in-process puts both on this event loop. Per kind: median, p10 and p90 of N timed exchanges (default 2000) after 200
 * untimed ones, all kinds interleaved exchange by exchange, and the bytes on
 * the wire per exchange in each direction (frames and TLS records, counted on
 * the TCP socket) next to the payload bytes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePskKeys, readPskKeyFile, writePskKeyFiles } from '../src/privacy/net/keys.js';
import type { FramedConnection } from '../src/privacy/net/connection.js';
import { connect, listen, type LinkServer } from '../src/privacy/net/link.js';
import { sessionChannel } from '../src/privacy/net/peerChannel.js';
import { SessionMux } from '../src/privacy/net/sessions.js';
import { wordsToBytes } from '../src/privacy/net/words.js';
import type { TlsPskProfile } from '../src/privacy/net/tlsPsk.js';

const HOST = '127.0.0.1';
const WORDS = 8;
const WARM_UP = 200;
type Kind = 'plaintext' | TlsPskProfile;

/**
 * Party 1: answers each message of op 'mul' with its own 8 words once it has
 * arrived, so every exchange of party 0 is one full round trip. (In the
 * protocols both parties send at once, so a round can cost less; the round
 * trip is the latency bound a protocol's rounds add up to.)
 */
function serve(kind: Kind, keyFile: string | undefined): Promise<LinkServer> {
  return listen({
    host: HOST,
    port: 0,
    ...(kind === 'plaintext' ? { plaintext: true, identity: 'es1' } : { keys: readPskKeyFile(keyFile!), tls: kind }),
    onConnection(conn) {
      new SessionMux(conn, {
        onOpen(session) {
          const mine = wordsToBytes(new BigUint64Array(WORDS).fill(2n));
          void (async () => {
            for (;;) {
              await session.receive('mul');
              session.send('mul', mine);
            }
          })().catch(() => {});
        },
      });
    },
  });
}

interface Probe {
  readonly kind: Kind;
  readonly conn: FramedConnection;
  readonly exchange: () => Promise<unknown>;
  readonly times: number[];
  wireBefore?: { bytesSent: number; bytesReceived: number };
}

async function probe(kind: Kind, port: number, keyFile: string | undefined): Promise<Probe> {
  const conn = await connect({
    host: HOST,
    port,
    peer: 'es1',
    ...(kind === 'plaintext' ? { plaintext: true, identity: 'es0' } : { keys: readPskKeyFile(keyFile!), tls: kind }),
  });
  const ch = sessionChannel(new SessionMux(conn).open(1n, 'round-trip'));
  const mine = new BigUint64Array(WORDS).fill(1n);
  return { kind, conn, exchange: () => ch.exchange('mul', mine), times: [] };
}

/**
 * Time every probe's exchanges interleaved (one exchange of each in turn), so
 * that a machine busy with something else slows every kind alike.
 */
async function measure(probes: Probe[], exchanges: number) {
  for (let i = 0; i < WARM_UP; i++) for (const p of probes) await p.exchange();
  for (const p of probes) p.wireBefore = { ...p.conn.wire };
  for (let i = 0; i < exchanges; i++) {
    for (const p of probes) {
      const t0 = process.hrtime.bigint();
      await p.exchange();
      p.times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return probes.map((p) => {
    const times = [...p.times].sort((a, b) => a - b);
    const at = (q: number) => Number(times[Math.floor(q * (times.length - 1))]!.toFixed(1));
    return {
      kind: p.kind,
      exchanges,
      medianUs: at(0.5),
      p10Us: at(0.1),
      p90Us: at(0.9),
      payloadBytesEachWay: WORDS * 8,
      wireBytesSentPerExchange: (p.conn.wire.bytesSent - p.wireBefore!.bytesSent) / exchanges,
      wireBytesReceivedPerExchange: (p.conn.wire.bytesReceived - p.wireBefore!.bytesReceived) / exchanges,
    };
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const serveKind = option('--serve') as Kind | undefined;
  if (serveKind) {
    const server = await serve(serveKind, option('--keys'));
    process.stdout.write(`listening ${server.port}\n`);
    return;
  }
  const exchanges = Number(option('--exchanges') ?? 2000);
  const inProcess = args.includes('--in-process');
  const dir = mkdtempSync(join(tmpdir(), 'glucosim-net-bench-'));
  try {
    const [es0File, es1File] = writePskKeyFiles(dir, generatePskKeys(['es0', 'es1']));
    const probes: Probe[] = [];
    const stops: (() => unknown)[] = [];
    for (const kind of ['plaintext', 'tls1.3', 'tls1.2'] as const) {
      const keyFile = kind === 'plaintext' ? undefined : es1File;
      let port: number;
      if (inProcess) {
        const server = await serve(kind, keyFile);
        port = server.port;
        stops.push(() => server.close());
      } else {
        const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind, ...(keyFile ? ['--keys', keyFile] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
        port = await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => {
            out += d;
            const m = /listening (\d+)\n/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        });
        stops.push(() => child.kill());
      }
      probes.push(await probe(kind, port, es0File));
    }
    for (const result of await measure(probes, exchanges)) {
      process.stdout.write(`${JSON.stringify({ ...result, processes: inProcess ? 1 : 2 })}\n`);
    }
    for (const p of probes) p.conn.close();
    for (const stop of stops) await stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
