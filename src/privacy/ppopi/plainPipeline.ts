/**
 * The plain run of the Grid World study (Chen & Ye 2025, §7, "plain"
 * column of Table 2): the same server core as the encrypted run
 * (attemptServer.ts), fed the attempts in the clear with keys `s:<cell>`
 * and `a:<action>`, in process.
 */
import { ACTION_COUNT, type Maze } from './gridWorld.js';
import { AttemptPolicyServer } from './attemptServer.js';
import type { PipelineFactory, PlainAttempt, PolicyPipeline, RoundCosts } from './gridWorldStudy.js';
import type { ImproveStats, LearningOptions } from './policyIteration.js';
import { type DeliveredPolicy, deliveredPolicy } from './userWalk.js';

/** Reading a policy view in the user's terms (userWalk.ts), re-exported for the pipelines. */
export { deliveredPolicy } from './userWalk.js';

/** The keys of the runs in the clear, `s:<state>` and `a:<action>` (also the pooled T2DM learner's, control/ppopi/pooledPolicy.ts). */
export const stateKey = (cell: number): string => `s:${cell}`;
export const actionKey = (action: number): string => `a:${action}`;

function keyNumber(prefix: string): (key: string) => number {
  return (key) => {
    if (!key.startsWith(prefix)) throw new Error(`key '${key}' does not start with '${prefix}'`);
    return Number(key.slice(prefix.length));
  };
}

/** The plain pipeline of one maze: ingest and improve in process; `serverMs` is the server's share of a round. */
export function plainPipeline(_maze: Maze, learning: Partial<LearningOptions> = {}): PolicyPipeline {
  const server = new AttemptPolicyServer(ACTION_COUNT, learning);
  let stats: ImproveStats | undefined;
  return {
    mode: 'plain',
    async submit(attempt: PlainAttempt): Promise<RoundCosts> {
      const started = performance.now();
      server.ingest({ states: attempt.states.map(stateKey), actions: attempt.actions.map(actionKey), truncated: attempt.truncated === true });
      stats = server.improve();
      return { serverMs: performance.now() - started };
    },
    async policy(): Promise<DeliveredPolicy> {
      return deliveredPolicy(server.policyView(), keyNumber('s:'), keyNumber('a:'));
    },
    improveStats: () => stats,
  };
}

/** `plainPipeline` as a study factory. */
export const plainPipelineFactory: PipelineFactory = (maze, _index, learning) => plainPipeline(maze, learning);
