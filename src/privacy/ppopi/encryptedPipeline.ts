/**
 * The encrypted run of the Grid World study (Chen & Ye 2025, §7, "PPOPI"
 * column of Table 2): each maze is one PPOPI task of an in-process system
 * (system.ts) whose users take turns: round k's attempt comes from user
 * k mod U, so the server fuses records made under U different
 * authorisations. A round: the user encrypts its attempt (§5.3), the server
 * converts, realigns and has the KGC unify it (§5.4–5.5), counts and
 * iterates the policy; then the next round's user gets the policy in tags
 * (§5.7) and reads it through the task's tag key.
 */
import { ACTION_COUNT, type Maze } from './gridWorld.js';
import type { PipelineFactory, PlainAttempt, PolicyPipeline, RoundCosts } from './gridWorldStudy.js';
import type { ImproveStats, LearningOptions } from './policyIteration.js';
import type { InProcessSystem } from './system.js';
import { openTask } from './system.js';
import type { DeliveredPolicy } from './userWalk.js';

/** The factory of the study: one task per maze on `system`, its users taking turns. */
export function encryptedPipelineFactory(system: InProcessSystem, taskPrefix = 'gridworld'): PipelineFactory {
  return (maze: Maze, mazeIndex: number, learning: LearningOptions): PolicyPipeline => {
    const taskId = `${taskPrefix}-${mazeIndex}`;
    openTask(system, taskId, { stateCount: maze.columns * maze.rows, actionCount: ACTION_COUNT }, learning);
    const users = [...system.users.values()];
    let round = 0;
    let improvement: ImproveStats | undefined;
    return {
      mode: 'encrypted',
      async submit(attempt: PlainAttempt): Promise<RoundCosts> {
        const user = users[round % users.length];
        round += 1;
        const t0 = performance.now();
        const encrypted = user.encryptAttempt(taskId, attempt);
        const userEncryptMs = performance.now() - t0;
        const costs = await system.server.submitAttempt(taskId, user.id, { ...encrypted, truncated: attempt.truncated === true });
        improvement = costs.improvement;
        return { userEncryptMs, convertMs: costs.convertMs, unifyMs: costs.unifyMs, serverMs: costs.learnMs };
      },
      improveStats: () => improvement,
      async policy(): Promise<DeliveredPolicy> {
        const user = users[round % users.length];
        return user.readPolicy(taskId, system.server.deliverPolicy(taskId, user.id));
      },
    };
  };
}
