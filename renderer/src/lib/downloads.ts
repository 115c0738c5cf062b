/**
 * Download links for an export under `lab serve`: the export was written on the server (its data folder's
 * exports/<folder>/), so the browser fetches each file from `/download` and the folder from `/download-zip`.
 * Links carry the serve token read from the page's own URL, exactly as the WebSocket transport does; they are
 * relative, so they go to the origin the page came from and nowhere else. Not used in the desktop app, where
 * exports are written straight into the folder the user picked.
 */
import type { ExportResult } from '../../../electron/shared/contract.js';

export interface DownloadLink {
  name: string;
  bytes: number;
  href: string;
}

export interface ExportDownloads {
  files: DownloadLink[];
  /** The whole export folder as one zip. */
  zip: DownloadLink;
}

/** `search`: the page URL's query (`location.search`), which holds `?token=`. */
export function exportDownloads(result: ExportResult, search: string): ExportDownloads {
  const token = new URLSearchParams(search).get('token') ?? '';
  // Under serve every export folder sits directly in exports/: its last path segment names it there.
  const folder = result.folder.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const query = (params: Record<string, string>) => new URLSearchParams({ token, ...params }).toString();
  return {
    files: result.files.map((f) => {
      const name = f.name.replace(/\\/g, '/');
      return { name, bytes: f.bytes, href: `/download?${query({ path: `${folder}/${name}` })}` };
    }),
    zip: {
      name: `${folder}.zip`,
      bytes: result.files.reduce((sum, f) => sum + f.bytes, 0),
      href: `/download-zip?${query({ folder })}`,
    },
  };
}
