/**
 * Electron main: thin on purpose — window, menu, dialogs, run storage location and IPC. It never trains and never
 * does model work: each training run and each model job (fold, export, sampling) is a separate utility process. Start-up reads as a table of contents: one setup step per concern.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, net, protocol, session, utilityProcess } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLabService, type LabService } from '../app/service.js';
import { isLabError } from '../engine/errors.js';
import { handleAppProtocol, registerAppScheme } from './appProtocol.js';
import { nativeDialogs } from './dialogs.js';
import { broadcaster, registerIpcHandlers, senderCheck } from './ipc.js';
import { menuTemplate } from './menu.js';
import { hardenSession } from './security.js';
import { utilityProcessWorkers } from './workerProcess.js';
import { APP_ORIGIN, hardenWebContents, isAppUrl, mainWindowOptions } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** electron-vite's dev server (npm run dev); unset in a built app. */
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const rendererDir = path.join(here, '../renderer');
const preloadPath = path.join(here, '../preload/index.cjs');
// Worker entries are unpacked from the asar (electron-builder.yml) so their processes run from real files.
const unpacked = (file: string) => path.join(here, file).replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
const trainWorkerPath = unpacked('trainWorker.js');
const jobWorkerPath = unpacked('jobWorker.js');

let mainWindow: BrowserWindow | null = null;
let service: LabService | null = null;

registerAppScheme(protocol);
app.enableSandbox();

app.whenReady().then(onReady);

function onReady(): void {
  setupSecurity();
  setupService();
  setupIpc();
  setupMenu();
  createMainWindow();
}

function setupSecurity(): void {
  hardenSession(session.defaultSession);
  handleAppProtocol(protocol, (url) => net.fetch(url), rendererDir);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devServerUrl));
}

function setupService(): void {
  service = createLabService({
    mode: 'electron',
    version: app.getVersion(),
    dataDir: app.getPath('userData'),
    spawnWorker: utilityProcessWorkers((modulePath, args, options) => utilityProcess.fork(modulePath, args, options), {
      train: trainWorkerPath,
      job: jobWorkerPath,
    }),
    broadcast: broadcaster(() => BrowserWindow.getAllWindows().map((w) => w.webContents)),
    dialogs: nativeDialogs(dialog, () => mainWindow),
    warmTraining: true,
  });
}

function setupIpc(): void {
  registerIpcHandlers(ipcMain, service!.handlers, senderCheck((url) => isAppUrl(url, devServerUrl)));
}

function setupMenu(): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, { openDataset: () => void openDatasetFromMenu() })));
}

/** Ctrl/Cmd+O: the dialog and the loading happen here; the UI learns the outcome from `dataset.loaded`. */
async function openDatasetFromMenu(): Promise<void> {
  const broadcast = broadcaster(() => BrowserWindow.getAllWindows().map((w) => w.webContents));
  try {
    const dataset = await service!.handlers['dataset.open'](undefined);
    if (dataset) broadcast('dataset.loaded', { ok: true, dataset });
  } catch (e) {
    const error = isLabError(e) ? { code: e.code, message: e.message, details: e.details } : { code: 'INTERNAL', message: String(e) };
    broadcast('dataset.loaded', { ok: false, error });
  }
}

function createMainWindow(): void {
  mainWindow = new BrowserWindow(mainWindowOptions(preloadPath));
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => (mainWindow = null));
  void mainWindow.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
});
app.on('before-quit', () => service?.shutdown());
