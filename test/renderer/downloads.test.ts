import { describe, expect, it } from 'vitest';
import { exportDownloads } from '../../renderer/src/lib/downloads.js';

describe('exportDownloads', () => {
  it('links every exported file and the zip of its folder, with the page token, relative to the page origin', () => {
    const links = exportDownloads(
      { folder: '/home/lab/.makemore-lab/exports/20261130-a1-folded', files: [{ name: 'model.json', bytes: 120 }, { name: 'sub\\w b.bin', bytes: 5 }] },
      '?token=a+b/c%3D',
    );
    expect(links.files).toEqual([
      { name: 'model.json', bytes: 120, href: '/download?token=a+b%2Fc%3D&path=20261130-a1-folded%2Fmodel.json' },
      { name: 'sub/w b.bin', bytes: 5, href: '/download?token=a+b%2Fc%3D&path=20261130-a1-folded%2Fsub%2Fw+b.bin' },
    ]);
    expect(links.zip).toEqual({ name: '20261130-a1-folded.zip', bytes: 125, href: '/download-zip?token=a+b%2Fc%3D&folder=20261130-a1-folded' });
    // The server reads back exactly the token and path that were meant.
    const back = new URLSearchParams(links.files[1].href.split('?')[1]);
    expect(back.get('token')).toBe('a b/c=');
    expect(back.get('path')).toBe('20261130-a1-folded/sub/w b.bin');
  });
});
