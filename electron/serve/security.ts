/**
 * The gatekeeping of `lab serve`, as small pure functions (unit-tested one by one):
 * - a random token, compared in constant time, required on every HTTP request and WebSocket upgrade
 *   (from `?token=` or from the HttpOnly cookie the first tokened page load sets for its own assets);
 * - the Host header must name this server (defeats DNS rebinding: a foreign site resolving its name to 127.0.0.1);
 * - an Origin header, when present, must be this server's own origin, http://<Host> (defeats cross-site
 *   requests and sockets; browsers always send Origin on WebSocket upgrades).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'lab_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time equality (lengths are compared first; the token's length is not a secret). */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Which Host headers name this server: loopback names with the port for a loopback bind, the given name for an
 * explicit host; for a wildcard bind (0.0.0.0 / ::) any name with the right port (the token still guards it).
 */
export function hostAllowed(bindHost: string, port: number): (hostHeader: string) => boolean {
  const suffix = `:${port}`;
  if (bindHost === '0.0.0.0' || bindHost === '::') return (h) => h.endsWith(suffix);
  const hosts = new Set<string>();
  const add = (h: string) => hosts.add(`${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}${suffix}`.toLowerCase());
  if (isLoopbackHost(bindHost)) ['127.0.0.1', 'localhost', '::1'].forEach(add);
  add(bindHost);
  return (h) => hosts.has(h);
}

export type Refusal = { status: 403 | 401; reason: string } | null;

export interface GateOptions {
  token: string;
  hostAllowed(hostHeader: string): boolean;
}

/** Token from the URL's query or from the cookie. */
export function requestToken(req: Pick<IncomingMessage, 'url' | 'headers'>): string | null {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return fromQuery;
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Checks Host, Origin and token of an HTTP request or WebSocket upgrade; null when it may pass. */
export function checkRequest(req: Pick<IncomingMessage, 'url' | 'headers'>, gate: GateOptions): Refusal {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!gate.hostAllowed(host)) return { status: 403, reason: 'unexpected Host header' };
  // The page's own requests and sockets come from the origin the browser loaded it from: http://<Host>.
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return { status: 403, reason: 'foreign Origin' };
  if (!tokenMatches(gate.token, requestToken(req))) return { status: 401, reason: 'missing or wrong token' };
  return null;
}
