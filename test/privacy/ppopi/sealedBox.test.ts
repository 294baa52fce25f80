/**
 * The sealed box of the KGC's grants (sealedBox.ts): only the recipient opens
 * it, and an altered box, a truncated GCM tag included, is refused.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/privacy/bcp/bcp.js';
import { open, seal } from '../../../src/privacy/ppopi/sealedBox.js';
import { fixture } from '../bcp/helpers.js';

const { parameters: params } = fixture(512);
const recipient = generateKeyPair(params);
const payload = Buffer.from('{"taskKey":"1234"}');

describe('sealed box', () => {
  it('opens for its recipient only', () => {
    const box = seal(params, recipient.publicKey, payload);
    expect(open(params, recipient, box)).toEqual(payload);
    expect(() => open(params, generateKeyPair(params), box)).toThrow(/sealedBox|not a ciphertext under this key/);
  });

  it('refuses an altered box, and a tag cut short (GCM would check only its first bytes)', () => {
    const box = seal(params, recipient.publicKey, payload);
    const flipped = `${box.data.slice(0, -2)}${(parseInt(box.data.slice(-2), 16) ^ 1).toString(16).padStart(2, '0')}`;
    expect(() => open(params, recipient, { ...box, data: flipped })).toThrow('sealedBox: the box was altered or is not for this key');
    for (const bytes of [4, 8, 12, 15]) {
      expect(() => open(params, recipient, { ...box, tag: box.tag.slice(0, 2 * bytes) })).toThrow('sealedBox: the box was altered or is not for this key');
    }
  });
});
