/** Native dialogs for the app service (the only file that calls Electron's `dialog`). */
import type { BrowserWindow, Dialog } from 'electron';
import type { NativeDialogs } from '../app/service.js';

export function nativeDialogs(dialog: Pick<Dialog, 'showOpenDialog'>, parent: () => BrowserWindow | null): NativeDialogs {
  return {
    async openDataset() {
      const win = parent();
      const options = {
        title: 'Open dataset',
        properties: ['openFile'] as 'openFile'[],
        filters: [
          { name: 'Words file (one word per line)', extensions: ['txt', 'csv', 'tsv', 'list'] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
    async chooseFolder() {
      const win = parent();
      const options = { title: 'Choose a folder for the exported model', properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
  };
}
