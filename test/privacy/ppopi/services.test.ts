/**
 * PPOPI's KGC and server services in this process over loopback TLS-PSK
 * (the processes test runs them as OS processes): what concerns a link's
 * capacity and concurrent uploads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKgcState, readServerState, setupDeployment } from '../../../src/privacy/ppopi/net/deployment.js';
import { startKgcService } from '../../../src/privacy/ppopi/net/kgcService.js';
import type { PpopiService } from '../../../src/privacy/ppopi/net/rpc.js';
import { connectRpc, MAX_IN_FLIGHT, type RpcClient } from '../../../src/privacy/ppopi/net/rpc.js';
import { KGC_OPS } from '../../../src/privacy/ppopi/wire.js';
import { FIXTURES } from '../bcp/helpers.js';

const HOST = '127.0.0.1';
const dir = mkdtempSync(join(tmpdir(), 'glucosim-ppopi-services-'));
const deploy = join(dir, 'deploy');
let kgc: PpopiService;
let link: RpcClient;

beforeAll(async () => {
  await setupDeployment({ keys: join(FIXTURES, '512'), users: ['u1', 'u2'], out: deploy });
  kgc = await startKgcService({ state: readKgcState(join(deploy, 'kgc')), host: HOST, port: 0, log: () => {} });
  const server = readServerState(join(deploy, 'server'));
  link = await connectRpc({ address: { host: HOST, port: kgc.port }, keys: server.psk, peer: server.kgcId });
}, 60_000);

afterAll(async () => {
  link?.close();
  await kgc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an RPC link', () => {
  it('holds back calls beyond the in-flight limit instead of having the callee refuse them', async () => {
    const calls = Array.from({ length: 3 * MAX_IN_FLIGHT }, (_, i) => link.call(KGC_OPS.openTask, { taskId: `t${i}`, users: ['u1', 'u2'], shape: { stateCount: 4, actionCount: 2 } }));
    const settled = await Promise.allSettled(calls);
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(refused).toEqual([]);
  });
});
