/**
 * PPOPI's messages on the wire (Chen & Ye 2025, §5): each request and reply
 * of the networked deployment as JSON, BigInts as lower-case hexadecimal
 * strings, checked on receipt before anything is done with them.
 *
 * Checks are in two layers. Here, the form: an ajv schema per message
 * (types, no unknown fields, hexadecimal digits, lengths, list sizes) —
 * enough that a frame of garbage, a field of the wrong type or a number
 * that is not hexadecimal is refused with one line naming the field,
 * and that no value can make the receiver allocate without bound. In the
 * role classes (kgc.ts, server.ts, checks.ts), the meaning: whether a
 * number is an element of Z*_{N²}, a ciphertext under the right key, a
 * user of the task. A refusal quotes no value: ajv's "(got …)" is cut off,
 * since a refused field may hold an authorisation or a key.
 *
 * Every op is one request and one reply (net/rpc.ts carries them); which
 * party may send it is part of its definition.
 */
import { InputError } from '../../io/errors.js';
import { IDENTITY_PATTERN } from '../net/keys.js';
import { compileValidator, type JsonSchema } from '../../io/schema.js';
import { MAX_BCP_BITS } from '../bcp/keyFile.js';
import type { SealedBox } from './sealedBox.js';
import type { PolicyView } from './attemptServer.js';
import type { TaskShape } from './encoding.js';
import type { LearningOptions } from './policyIteration.js';
import type { SubmitCosts } from './server.js';
import { type EncryptedAttempt, type PolicyAnswer, PpopiRefusal, type UnificationItem, type UploadedValue } from './messages.js';

/** Hex digits of an element of Z_{N²} at the largest N a key file may hold. */
export const MAX_HEX_DIGITS = (2 * MAX_BCP_BITS) / 4;
/** Users of one task. */
export const MAX_TASK_USERS = 1024;
/** A task's shape: the user computes a tag for each state and action when it reads a policy, so both are bounded. */
export const MAX_STATE_COUNT = 1_000_000;
export const MAX_ACTION_COUNT = 1024;
/** Actions of one uploaded attempt (the Grid World's step limit, Chen & Ye 2025 §7, is far below). */
export const MAX_ATTEMPT_ACTIONS = 2000;
/** Longest wait a user may ask of `task-parameter`, ms (the client asks again until its own deadline). */
export const MAX_WAIT_MS = 30_000;
/**
 * How a `task-parameter` refusal begins while the task still waits for
 * negotiation parameters or the KGC's confirmation: the user may ask again.
 */
export const NOT_CONFIRMED_YET = 'not confirmed yet';
/** Longest refusal line sent back (the log keeps the whole one). */
const MAX_REFUSAL_CHARS = 600;

// ---------------------------------------------------------------------------
// Schema pieces

/** A BigInt: the only schema object that `revive` turns into one (matched by identity). */
const BIG: JsonSchema = { type: 'string', minLength: 1, maxLength: MAX_HEX_DIGITS, pattern: '^[0-9a-f]+$' };
/** HMAC-SHA256 values: equality tags and proofs. */
const DIGEST: JsonSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const IDENTITY: JsonSchema = { type: 'string', pattern: IDENTITY_PATTERN.source };
const TASK_ID = IDENTITY;

function object(properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties)): JsonSchema {
  return { type: 'object', additionalProperties: false, required: [...required], properties };
}

function list(items: JsonSchema, minItems: number, maxItems: number): JsonSchema {
  return { type: 'array', minItems, maxItems, items };
}

const count = (maximum: number): JsonSchema => ({ type: 'integer', minimum: 1, maximum });

const CIPHERTEXT = object({ a: BIG, b: BIG });
const UPLOADED = object({ ciphertext: object({ masked: BIG, mask: CIPHERTEXT }), proof: DIGEST });
const SEALED_BOX = object({
  kem: CIPHERTEXT,
  iv: { type: 'string', pattern: '^[0-9a-f]{24}$' },
  // The sealed payload is three keys in JSON: far below 4 KiB.
  data: { type: 'string', maxLength: 8192, pattern: '^(?:[0-9a-f]{2})*$' },
  tag: { type: 'string', pattern: '^[0-9a-f]{32}$' },
});
const SHAPE = object({ stateCount: count(MAX_STATE_COUNT), actionCount: count(MAX_ACTION_COUNT) });
const USERS: JsonSchema = { ...list(IDENTITY, 1, MAX_TASK_USERS), uniqueItems: true };
/** The learning options a task is opened with (policyIteration.ts checks how they relate); bounded so that no user can make the server iterate without end. */
const LEARNING = object(
  {
    // A task's users choose these, and the server iterates on its event loop: γ ≤ 0.999 and a tolerance ≥ 1e-12 keep an
    // evaluation within ~35,000 sweeps (γ^k ≤ 1e-12·(1 − γ)), and one evaluation step within 1,000 sweeps.
    gamma: { type: 'number', exclusiveMinimum: 0, maximum: 0.999 },
    optimisticValue: { type: 'number', minimum: -1e9, maximum: 1e9 },
    tolerance: { type: 'number', minimum: 1e-12, maximum: 1 },
    improvementMargin: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    sweepsPerStep: count(1_000),
    maxImprovementSteps: count(100_000),
  } satisfies Record<keyof LearningOptions, JsonSchema>,
  [],
);
const ACTION_VALUE = object({ action: DIGEST, q: { type: 'number' } });
const POLICY_VIEW = object({
  actionCount: count(MAX_ACTION_COUNT),
  optimisticValue: { type: 'number' },
  states: list(object({ state: DIGEST, terminal: { type: 'boolean' }, actions: list(ACTION_VALUE, 0, MAX_ACTION_COUNT) }), 0, MAX_STATE_COUNT),
});
const POLICY_ANSWER = object({ actionCount: count(MAX_ACTION_COUNT), actions: list(ACTION_VALUE, 0, MAX_ACTION_COUNT) });
const milliseconds: JsonSchema = { type: 'number', minimum: 0 };
const COSTS = object({
  convertMs: milliseconds,
  unifyMs: milliseconds,
  learnMs: milliseconds,
  improvement: object({ evaluationSweeps: { type: 'integer', minimum: 0 }, improvementSteps: { type: 'integer', minimum: 0 }, settled: { type: 'boolean' } }),
});
const EMPTY = object({});
const REFUSAL = object({ party: { type: 'string', maxLength: 200 }, field: { type: 'string', maxLength: 400 }, reason: { type: 'string', maxLength: 2000 } });

// ---------------------------------------------------------------------------
// Message types (the in-process types of messages.ts, with the task named)

export type Empty = Record<string, never>;
export interface TaskRef {
  readonly taskId: string;
}
/** A user asks the server to open a task (the first to ask opens it; the others must ask for the same). */
export interface OpenTaskRequest extends TaskRef {
  readonly users: readonly string[];
  readonly shape: TaskShape;
  readonly learning: Partial<LearningOptions>;
}
/** The server asks the KGC to open its side of a task. */
export interface KgcOpenTaskRequest extends TaskRef {
  readonly users: readonly string[];
  readonly shape: TaskShape;
}
/** §5.2 eq. 11: np_i = g^{r_i}, to the server and to the KGC. */
export interface NegotiationRequest extends TaskRef {
  readonly np: bigint;
}
/** g^r, once the task is confirmed; the server holds the request up to `waitMs` for the others' np_i. */
export interface TaskParameterRequest extends TaskRef {
  readonly waitMs: number;
}
export interface TaskParameterReply {
  readonly gr: bigint;
}
/** §5.2 eq. 12: the server's g^r, for the KGC to check and confirm. */
export interface ConfirmRequest extends TaskRef {
  readonly gr: bigint;
}
/** A sealed grant: the server's (reply to confirm) or a user's (reply to grant). */
export interface GrantReply {
  readonly grant: SealedBox;
}
/** §5.3: A_i = (g^r)^{s_ti}. */
export interface AuthoriseRequest extends TaskRef {
  readonly authorisation: bigint;
}
/** §5.3: one attempt history. */
export interface AttemptRequest extends TaskRef {
  readonly attempt: EncryptedAttempt & { readonly truncated?: boolean };
}
/** §5.6: an encrypted state. */
export interface StateRequest extends TaskRef {
  readonly state: UploadedValue;
}
/** §5.5: the server's realigned ciphertexts, for equality tags. */
export interface UnifyRequest extends TaskRef {
  readonly items: readonly UnificationItem[];
}
export interface UnifyReply {
  readonly tags: readonly string[];
}

// ---------------------------------------------------------------------------
// Ops

/** Who sends an op: a user of the deployment, or the server (to the KGC). */
export type Caller = 'user' | 'server';

export interface OpSpec<Req, Rep> {
  /** The frame's op name. */
  readonly op: string;
  readonly caller: Caller;
  /** The request from a frame's payload; a PpopiRefusal of `party` (the receiver) naming the field otherwise. */
  decodeRequest(payload: Uint8Array, party: string): Req;
  decodeReply(payload: Uint8Array, party: string): Rep;
}

function spec<Req, Rep>(op: string, caller: Caller, request: JsonSchema, reply: JsonSchema): OpSpec<Req, Rep> {
  const decodeRequest = decoder<Req>(request, `${op} request`);
  const decodeReply = decoder<Rep>(reply, `${op} reply`);
  return { op, caller, decodeRequest, decodeReply };
}

/** The KGC's ops (Chen & Ye 2025, §5.2, §5.5). */
export const KGC_OPS = {
  openTask: spec<KgcOpenTaskRequest, Empty>('open-task', 'server', object({ taskId: TASK_ID, users: USERS, shape: SHAPE }), EMPTY),
  negotiation: spec<NegotiationRequest, Empty>('negotiation', 'user', object({ taskId: TASK_ID, np: BIG }), EMPTY),
  confirm: spec<ConfirmRequest, GrantReply>('confirm', 'server', object({ taskId: TASK_ID, gr: BIG }), object({ grant: SEALED_BOX })),
  grant: spec<TaskRef, GrantReply>('grant', 'user', object({ taskId: TASK_ID }), object({ grant: SEALED_BOX })),
  unify: spec<UnifyRequest, UnifyReply>(
    'unify',
    'server',
    object({ taskId: TASK_ID, items: list(object({ ciphertext: CIPHERTEXT, proof: DIGEST, kind: { enum: ['state', 'action'] } }), 1, 2 * MAX_ATTEMPT_ACTIONS + 1) }),
    object({ tags: list(DIGEST, 1, 2 * MAX_ATTEMPT_ACTIONS + 1) }),
  ),
} as const;

/** The server's ops, all a user's (Chen & Ye 2025, §5.2–5.7). */
export const SERVER_OPS = {
  openTask: spec<OpenTaskRequest, Empty>('open-task', 'user', object({ taskId: TASK_ID, users: USERS, shape: SHAPE, learning: LEARNING }), EMPTY),
  negotiation: spec<NegotiationRequest, Empty>('negotiation', 'user', object({ taskId: TASK_ID, np: BIG }), EMPTY),
  taskParameter: spec<TaskParameterRequest, TaskParameterReply>(
    'task-parameter',
    'user',
    object({ taskId: TASK_ID, waitMs: { type: 'integer', minimum: 0, maximum: MAX_WAIT_MS } }),
    object({ gr: BIG }),
  ),
  authorise: spec<AuthoriseRequest, Empty>('authorise', 'user', object({ taskId: TASK_ID, authorisation: BIG }), EMPTY),
  attempt: spec<AttemptRequest, SubmitCosts>(
    'attempt',
    'user',
    object(
      { taskId: TASK_ID, attempt: object({ states: list(UPLOADED, 2, MAX_ATTEMPT_ACTIONS + 1), actions: list(UPLOADED, 1, MAX_ATTEMPT_ACTIONS), truncated: { type: 'boolean' } }, ['states', 'actions']) },
    ),
    COSTS,
  ),
  request: spec<StateRequest, PolicyAnswer>('request', 'user', object({ taskId: TASK_ID, state: UPLOADED }), POLICY_ANSWER),
  policy: spec<TaskRef, PolicyView>('policy', 'user', object({ taskId: TASK_ID }), POLICY_VIEW),
} as const;

// ---------------------------------------------------------------------------
// Encoding and decoding

/** A message as the bytes of a frame's payload: JSON, every BigInt as lower-case hex. */
export function encodeBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v)), 'utf8');
}

/** One line, printable, bounded: a refusal travels in a frame and lands in a log. */
export function oneLine(text: string, max = MAX_REFUSAL_CHARS): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** ajv's reason without the value it quotes (`must match … (got "…")` → `must match …`). */
function withoutValue(reason: string): string {
  const at = reason.indexOf(' (got ');
  return at < 0 ? reason : reason.slice(0, at);
}

/** Turns the BIG-schema strings of a checked value into BigInts, walking the schema beside the value. */
function revive(schema: JsonSchema, value: unknown): unknown {
  if (schema === BIG) return BigInt(`0x${value as string}`);
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    return items === undefined ? value : value.map((v) => revive(items, v));
  }
  if (value !== null && typeof value === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, properties[k] === undefined ? v : revive(properties[k], v)]));
  }
  return value;
}

/** Deepest nesting of arrays and objects a message has (an attempt: 6); deeper payloads are refused before parsing. */
const MAX_NESTING = 16;

/**
 * Whether the JSON text in `bytes` nests arrays and objects deeper than
 * MAX_NESTING, by one pass over the bytes (outside strings). Checked before
 * JSON.parse: a payload of millions of brackets would otherwise hold the
 * event loop for seconds and overflow the stack of the validator's messages.
 */
function nestsTooDeep(bytes: Uint8Array): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next byte (multi-byte escapes contain no quote)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A payload → its message, or a PpopiRefusal of `party` naming the field. */
function decoder<T>(schema: JsonSchema, what: string): (payload: Uint8Array, party: string) => T {
  const validate = compileValidator<unknown>(schema);
  return (payload, party) => {
    if (nestsTooDeep(payload)) throw new PpopiRefusal(party, 'payload', `the ${what} nests arrays or objects deeper than ${MAX_NESTING} levels`);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    } catch {
      // V8's message quotes the text: not repeated.
      throw new PpopiRefusal(party, 'payload', `the ${what} is not JSON`);
    }
    try {
      validate(json, what);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      throw new PpopiRefusal(party, oneLine(err.field === '' ? 'payload' : err.field, 200), oneLine(withoutValue(err.reason)));
    }
    return revive(schema, json) as T;
  };
}

/** A refusal as the payload of an ERROR frame. */
export function encodeRefusal(refusal: PpopiRefusal): Buffer {
  return encodeBody({ party: oneLine(refusal.party, 200), field: oneLine(refusal.field, 400), reason: oneLine(refusal.reason) });
}

const validateRefusal = compileValidator<{ party: string; field: string; reason: string }>(REFUSAL);

/** An ERROR frame's payload as the refusal it carries; one that carries none is the peer's refusal of the frame itself. */
export function decodeRefusal(payload: Uint8Array, peer: string): PpopiRefusal {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  try {
    const r = validateRefusal(JSON.parse(text), 'refusal');
    return new PpopiRefusal(r.party, r.field, r.reason);
  } catch {
    return new PpopiRefusal(peer, 'frame', oneLine(text));
  }
}
