import type { PartyIndex } from '../../../src/privacy/mpc/party.js';
import { type PartyProgram, runInProcess } from '../../../src/privacy/mpc/session.js';
import { shareWords } from '../../../src/privacy/mpc/shares.js';
import { toWords, type Words } from '../../../src/privacy/mpc/ring.js';

/** Share signed integers between the two parties. */
export function shared(values: readonly bigint[]): [Words, Words] {
  return shareWords(toWords(values));
}

/** Run `f` on both parties' shares in process and reconstruct the (word) output. */
export async function computeInProcess(f: (id: PartyIndex) => PartyProgram<Words>): Promise<{ out: BigInt64Array; rounds: number; bytes: number }> {
  const { outputs, traffic } = await runInProcess([f(0), f(1)]);
  const out = new BigInt64Array(outputs[0].length);
  for (let i = 0; i < out.length; i++) out[i] = BigInt.asIntN(64, outputs[0][i] + outputs[1][i]);
  return { out, rounds: traffic.rounds, bytes: traffic.bytesSent };
}
