import { existsSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../engine/errors.js';
import { defaultRendererDir, startServer } from '../../serve/server.js';
import { defineCommand, helpText, intOption, parseCommandArgs } from '../args.js';

const spec = defineCommand({
  name: 'serve',
  summary:
    'Serves the lab UI and its API to a browser (e.g. on a remote GPU machine, through an SSH tunnel). Loopback only unless --host is given; the printed URL carries a random token every request must present.',
  usage: 'serve [--port N] [--host H] [--data-dir DIR]',
  help: [
    '--port N            port (default 8765; 0 picks a free one)',
    '--host H            address to listen on (default 127.0.0.1; anything else is reachable from other machines)',
    '--data-dir DIR      where runs, presets and uploads are kept (default ~/.makemore-lab)',
  ],
  options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } },
});

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.help) return void console.log(helpText(spec));
  const port = intOption('serve', 'port', values.port, 0, 65535) ?? 8765;
  const rendererDir = defaultRendererDir();
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new LabError('ARGUMENT', `serve: the UI is not built yet (${rendererDir} is missing); run 'npm run build' first`);
  }
  const server = await startServer({ port, host: values.host, dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : undefined });
  console.log(`Makemore Lab is serving at ${server.url}`);
  console.log('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
