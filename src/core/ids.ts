import { randomBytes, randomUUID } from 'node:crypto';

/** A random UUID (v4) for primary keys. */
export function newId(): string {
  return randomUUID();
}

/** A URL-safe random token of `bytes` bytes of entropy (for session tokens, API tokens). */
export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
