import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyPolicy, trainBatches } from '../../../src/control/qlearning/qLearning.js';
import { ServerPair } from '../../../src/privacy/edge/clients.js';
import { startDealer } from '../../../src/privacy/edge/dealerServer.js';
import { type EdgeServer, startEdgeServer } from '../../../src/privacy/edge/edgeServer.js';
import { deploymentKeys } from '../../../src/privacy/edge/roles.js';
import { readPskKeyFile, writePskKeyFiles } from '../../../src/privacy/net/keys.js';
import type { LinkServer } from '../../../src/privacy/net/link.js';
import { InProcessServers } from '../../../src/privacy/oidpr/inProcess.js';
import { type PlainRecord, shareModel } from '../../../src/privacy/oidpr/model.js';
import { newModelId } from '../../../src/privacy/oidpr/shareFile.js';

const parameters = { states: 6, actions: 4, alpha: 0.1, gamma: 0.7, fractionBits: 16 };
const actionSet = [[0], [2], [4], [6]];
const records: PlainRecord[] = Array.from({ length: 40 }, (_, i) => ({ state: (i * 5) % 6, action: (i * 3) % 4, nextState: (i * 7 + 1) % 6, reward: Math.cos(i) }));

describe('edge servers and dealer over loopback TLS (one process)', () => {
  let dir: string;
  let dealer: LinkServer;
  let servers: EdgeServer[];
  const log: string[] = [];
  const keys = (id: string) => readPskKeyFile(join(dir, `${id}.psk.json`));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glucosim-edge-'));
    writePskKeyFiles(dir, deploymentKeys(['patient1']));
    const logger = (line: string) => log.push(line);
    dealer = await startDealer({ host: '127.0.0.1', port: 0, keys: keys('dealer'), log: logger });
    const address = { host: '127.0.0.1', port: dealer.port };
    const es1 = await startEdgeServer({ party: 1, listen: { host: '127.0.0.1', port: 0 }, dealer: address, keys: keys('es1'), log: logger });
    const es0 = await startEdgeServer({ party: 0, listen: { host: '127.0.0.1', port: 0 }, peer: { host: '127.0.0.1', port: es1.port }, dealer: address, keys: keys('es0'), log: logger });
    servers = [es0, es1];
  });

  afterAll(async () => {
    for (const s of servers ?? []) await s.close();
    await dealer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains to the plain Q-table within the truncation bound and answers every state with the plain greedy action', async () => {
    const addresses = [{ host: '127.0.0.1', port: servers[0].port }, { host: '127.0.0.1', port: servers[1].port }] as const;
    const hcp = await ServerPair.connect({ servers: addresses, keys: keys('hcp') });
    const modelId = newModelId();
    const initial = shareModel({ parameters, q: new BigInt64Array(24), actionSet });
    await hcp.loadModel(modelId, initial);
    await hcp.train(modelId, parameters, records, { batchSize: 5, rounds: 2 });
    const [e0, e1] = await hcp.exportShares();
    expect(e0.modelId).toBe(modelId);
    const networked = Array.from(e0.share.q, (w, i) => BigInt.asIntN(64, w + e1.share.q[i]));

    // Against the plain reference: every entry within its truncation bound.
    const plain = trainBatches(parameters, records, { batchSize: 5, rounds: 2 });
    networked.forEach((v, i) => expect(Math.abs(Number(v - plain.q[i]!))).toBeLessThanOrEqual(plain.bound[i]!));

    const patient = await ServerPair.connect({ servers: addresses, keys: keys('patient1') });
    const info = await patient.describe();
    expect(info.modelId).toBe(modelId);
    const states = [0, 1, 2, 3, 4, 5];
    const remote = await patient.recommend(states, info);
    const here = await new InProcessServers([
      { ...e0.share },
      { ...e1.share },
    ]).recommend(states);
    expect(remote).toEqual(here);
    remote.forEach((d) => expect(d.doses).toEqual(actionSet[d.action]));
    expect(remote.map((d) => d.action)).toEqual(Array.from(greedyPolicy(plain.q, 6, 4)));
    patient.close();
    hcp.close();
  });

  it('one training run at a time; no model change during it; a provider that leaves takes its run with it', async () => {
    const addresses = [{ host: '127.0.0.1', port: servers[0].port }, { host: '127.0.0.1', port: servers[1].port }] as const;
    const hcp = await ServerPair.connect({ servers: addresses, keys: keys('hcp') });
    const modelId = newModelId();
    await hcp.loadModel(modelId, shareModel({ parameters, q: new BigInt64Array(24), actionSet }));
    const many = Array.from({ length: 3000 }, (_, i) => records[i % records.length]!);
    const first = hcp.train(modelId, parameters, many, { batchSize: 1, rounds: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await expect(hcp.train(modelId, parameters, records, { batchSize: 5, rounds: 1 })).rejects.toThrow(/already training/);
    await expect(hcp.loadModel(newModelId(), shareModel({ parameters, q: new BigInt64Array(24), actionSet }))).rejects.toThrow(/training run is under way/);
    hcp.close(); // the provider leaves mid-run
    await expect(first).rejects.toThrow();
    for (let waited = 0; waited < 20_000 && !log.some((l) => /client's session ended/.test(l)); waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(servers.map((s) => s.model?.version)).toEqual([0, 0]);
    expect(servers.map((s) => s.model?.modelId)).toEqual([modelId, modelId]);
  }, 60_000);

  it('refuses a patient that tries the provider\'s operations, and keeps serving', async () => {
    const addresses = [{ host: '127.0.0.1', port: servers[0].port }, { host: '127.0.0.1', port: servers[1].port }] as const;
    const patient = await ServerPair.connect({ servers: addresses, keys: keys('patient1') });
    await expect(patient.exportShares()).rejects.toThrow(/only hcp may export/);
    const info = await patient.describe();
    expect((await patient.recommend([2], info)).length).toBe(1);
    patient.close();
  });
});
