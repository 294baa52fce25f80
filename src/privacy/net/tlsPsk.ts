/**
 * TLS with pre-shared keys (node:tls), over a TCP socket we own so that the
 * bytes on the wire stay countable on it.
 *
 * Default profile: TLS 1.3 with TLS_AES_128_GCM_SHA256. Node 20 (OpenSSL 3)
 * runs TLS 1.3 PSK through the same `pskCallback`s as TLS 1.2, in psk_dhe_ke
 * mode: the key authenticates both sides and an X25519 exchange gives
 * forward secrecy, so a key file stolen later does not decrypt recorded
 * shares. Only SHA-256 suites work there (Node's documentation: OpenSSL's PSK
 * callbacks assume that hash), hence AES-128-GCM or ChaCha20-Poly1305. The
 * 'tls1.2' profile is kept for peers without 1.3, with the one TLS 1.2 PSK
 * suite that is both AEAD and forward secret, ECDHE-PSK-CHACHA20-POLY1305;
 * plain PSK suites (PSK-AES256-GCM-SHA384 …) are not offered, since their
 * traffic is exposed by any later leak of the key. On loopback the two
 * profiles cost the same per round trip, within noise of plaintext
 * (bench/netRoundTrip.ts).
 */
import type { Socket } from 'node:net';
import { createSecureContext, connect as tlsConnect, type SecureContext, TLSSocket, type TLSSocketOptions } from 'node:tls';
import type { PskKeys } from './keys.js';

export const TLS_PSK_PROFILES = {
  'tls1.3': { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256' },
  'tls1.2': { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-PSK-CHACHA20-POLY1305' },
} as const;
export type TlsPskProfile = keyof typeof TLS_PSK_PROFILES;
export const DEFAULT_TLS_PSK_PROFILE: TlsPskProfile = 'tls1.3';

/** OpenSSL errors that mean "the MACs keyed by the PSK did not match": the two sides hold different keys. */
const WRONG_KEY_CODES = new Set([
  'ERR_SSL_BINDER_DOES_NOT_VERIFY', // 1.3: the client's PSK binder
  'ERR_SSL_CIPHER_OPERATION_FAILED', // 1.2 GCM: the client's Finished does not decrypt
  'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', // 1.2 ChaCha20
  'ERR_SSL_BAD_RECORD_MAC',
  'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC', // the client's view of the same
  'ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER', // the client's view of a bad 1.3 binder
  'ERR_SSL_DIGEST_CHECK_FAILED', // the server's Finished does not verify at the client
]);

/** The secure context every connection of one server shares (ciphers and versions). */
export function serverContext(profile: TlsPskProfile = DEFAULT_TLS_PSK_PROFILE): SecureContext {
  return createSecureContext(TLS_PSK_PROFILES[profile]);
}

function firstLine(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text = (err?.message ?? String(e)).split('\n')[0]!.replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '');
  return err?.code ? `${err.code}: ${text}` : text;
}

/**
 * The server side of the handshake on an accepted socket: resolves with the
 * TLS socket and the client's authenticated identity; rejects with an Error
 * whose message is the reason, for the log (`unknown PSK identity "x"`,
 * `wrong key for identity "es0"`).
 */
export function secureServerSide(raw: Socket, keys: PskKeys, context: SecureContext): Promise<{ socket: TLSSocket; identity: string }> {
  return new Promise((resolve, reject) => {
    let claimed: string | undefined;
    let known = false;
    // Node's TLSSocket takes the server's pskCallback as tls.createServer does
    // (lib/_tls_wrap.js), but @types/node 20 does not declare it there.
    const serverOptions: TLSSocketOptions & { pskCallback: (socket: TLSSocket, identity: string) => Buffer | null } = {
      isServer: true,
      secureContext: context,
      pskCallback: (_socket, identity) => {
        claimed = identity;
        const key = keys.keyFor(identity);
        known = key !== undefined;
        // null ends the handshake: an identity we share no key with is refused.
        return key ?? null;
      },
    };
    const socket = new TLSSocket(raw, serverOptions);
    const fail = (e: unknown) => {
      socket.destroy();
      const who = claimed === undefined ? '' : ` (identity ${JSON.stringify(claimed)})`;
      if (claimed !== undefined && !known) reject(new Error(`TLS-PSK handshake refused: unknown PSK identity ${JSON.stringify(claimed)}`));
      else if (claimed !== undefined && WRONG_KEY_CODES.has((e as NodeJS.ErrnoException)?.code ?? '')) reject(new Error(`TLS-PSK handshake failed: wrong key for identity ${JSON.stringify(claimed)} (${firstLine(e)})`));
      else reject(new Error(`TLS-PSK handshake failed${who}: ${firstLine(e)}`));
    };
    // A close without an error: the client gave up (or was not speaking TLS at all).
    const closed = () => fail(new Error('connection closed during the TLS handshake'));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('secure', () => {
      socket.removeListener('error', fail);
      socket.removeListener('close', closed);
      resolve({ socket, identity: claimed! });
    });
  });
}

/**
 * The client side: our identity and the key of the link with `peer` (the
 * server). Completing the handshake proves the server holds that key.
 */
export function secureClientSide(raw: Socket, keys: PskKeys, peer: string, profile: TlsPskProfile = DEFAULT_TLS_PSK_PROFILE): Promise<TLSSocket> {
  const key = keys.keyFor(peer);
  if (key === undefined) return Promise.reject(new Error(`no pre-shared key for the link ${keys.identity}–${peer} in ${keys.identity}'s key file`));
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      socket: raw,
      ...TLS_PSK_PROFILES[profile],
      pskCallback: () => ({ psk: key, identity: keys.identity }),
      // There is no certificate: the PSK handshake itself authenticated the server.
      checkServerIdentity: () => undefined,
    });
    const fail = (e: unknown) => {
      socket.destroy();
      const code = (e as NodeJS.ErrnoException)?.code ?? '';
      const hint = WRONG_KEY_CODES.has(code) ? ': the two sides hold different keys for this link'
        : code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY' || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' ? `: ${peer} does not know the identity ${JSON.stringify(keys.identity)} (or refused it)`
          : '';
      reject(new Error(`TLS-PSK handshake with ${peer} failed${hint} (${firstLine(e)})`));
    };
    const closed = () => fail(new Error('connection closed during the TLS handshake'));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('secureConnect', () => {
      socket.removeListener('error', fail);
      socket.removeListener('close', closed);
      resolve(socket);
    });
  });
}
