import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ResponseHook {
  url: string;
  close(): Promise<void>;
}

/**
 * Stands in for Slack's response_url: every JSON body the bot posts there is pushed onto `into`,
 * in arrival order. The caller owns the array, so a test empties it in place between cases.
 */
export async function startResponseHook<T>(into: T[], path = '/response'): Promise<ResponseHook> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      into.push(JSON.parse(body) as T);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    close: async () => {
      // The bot's fetch keeps its connection alive, which would hold close() open.
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The response_url stand-in as every suite that has one uses it: listening from beforeAll, its
 * array emptied before each test, closed after the suite. Call it in the describe body.
 */
export function responseHookForSuite<T>(path?: string): { readonly url: string; readonly responses: T[] } {
  const responses: T[] = [];
  let hook: ResponseHook | undefined;
  beforeAll(async () => {
    hook = await startResponseHook(responses, path);
  });
  beforeEach(() => {
    responses.length = 0;
  });
  afterAll(async () => {
    await hook?.close();
  });
  return {
    responses,
    get url() {
      if (!hook) throw new Error('the response hook starts in beforeAll: read its url in a hook or a test');
      return hook.url;
    },
  };
}
