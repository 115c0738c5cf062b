/**
 * Session-wide rules: every permission request (camera, notifications, geolocation…), every device request (HID,
 * serial, USB) and every screen-capture request is denied, and every response the UI gets carries a strict
 * Content-Security-Policy (no remote code, no eval, no plugins, no network but the app's own origin).
 */
import type { Session } from 'electron';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Svelte writes style attributes at run time; no remote styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  // The desktop UI talks to main over IPC; 'self' (app://lab, or the dev server with its HMR socket) is all it needs.
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

type SessionLike = {
  setPermissionRequestHandler: Session['setPermissionRequestHandler'];
  setPermissionCheckHandler: Session['setPermissionCheckHandler'];
  setDevicePermissionHandler: Session['setDevicePermissionHandler'];
  setDisplayMediaRequestHandler: Session['setDisplayMediaRequestHandler'];
  webRequest: { onHeadersReceived: Session['webRequest']['onHeadersReceived'] };
};

export function hardenSession(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // The lab uses no devices and never captures the screen: without these handlers Chromium's defaults decide.
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}
