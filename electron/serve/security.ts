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
  // Only a host name or address followed by the port: the Host value is echoed into the page's CSP.
  if (bindHost === '0.0.0.0' || bindHost === '::') return (h) => h.endsWith(suffix) && /^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d+$/.test(h);
  const hosts = new Set<string>();
  const add = (h: string) => hosts.add(`${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}${suffix}`.toLowerCase());
  if (isLoopbackHost(bindHost)) ['127.0.0.1', 'localhost', '::1'].forEach(add);
  add(bindHost);
  return (h) => hosts.has(h);
}

/** Why a request is turned away: 400 for bytes that do not parse, 403 for a foreign Host/Origin, 401 for the token. */
export type Refusal = { status: 400 | 401 | 403; reason: string };

/** A request that may pass, with its target already parsed (so no handler parses the raw bytes again). */
export type Admission = { ok: true; url: URL } | ({ ok: false } & Refusal);

export interface GateOptions {
  token: string;
  hostAllowed(hostHeader: string): boolean;
}

/**
 * The request target as a URL, or null when it does not parse. Everything here comes from a client that has not
 * shown the token yet, so nothing may throw: `GET http://[ HTTP/1.1` makes `new URL` throw, and an exception in
 * the server's request or upgrade handler would end the process.
 */
export function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

/**
 * The token cookie's value: a string, null when there is no such cookie, or undefined when its value is not
 * valid percent-encoding (`lab_token=%` makes decodeURIComponent throw).
 */
export function cookieToken(cookieHeader: string | undefined): string | null | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== TOKEN_COOKIE) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return null;
}

/** Checks Host, Origin, target and token of an HTTP request or WebSocket upgrade; never throws. */
export function checkRequest(req: Pick<IncomingMessage, 'url' | 'headers'>, gate: GateOptions): Admission {
  const refuse = (status: Refusal['status'], reason: string): Admission => ({ ok: false, status, reason });
  const hostHeader = req.headers.host;
  const host = (typeof hostHeader === 'string' ? hostHeader : '').toLowerCase();
  if (!gate.hostAllowed(host)) return refuse(403, 'unexpected Host header');
  // The page's own requests and sockets come from the origin the browser loaded it from: http://<Host>.
  const origin = req.headers.origin;
  if (origin !== undefined && (typeof origin !== 'string' || origin.toLowerCase() !== `http://${host}`)) return refuse(403, 'foreign Origin');
  const url = parseTarget(req.url);
  if (!url) return refuse(400, 'malformed request target');
  // The token: from the URL's query, else from the cookie the first tokened page load set.
  let given: string | null | undefined = url.searchParams.get('token');
  if (given === null) {
    const cookie = req.headers.cookie;
    given = cookieToken(typeof cookie === 'string' ? cookie : undefined);
    if (given === undefined) return refuse(400, 'malformed token cookie');
  }
  if (!tokenMatches(gate.token, given)) return refuse(401, 'missing or wrong token');
  return { ok: true, url };
}
